// A fixture: a CommonJS entry, whose exports esbuild cannot list without running it.
module.exports.handler = function handler() {
  return "handled";
};
