// Preloaded into every function process: when the local stack goes away, however it dies, the IPC
// channel closes and the function exits with it, so no orphan keeps a port.
process.on("disconnect", () => process.exit(0));
