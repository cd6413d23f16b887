/**
 * Prints `functions/login/users.json` for the given `username:password` pairs, each with a fresh salt:
 *   npx tsx functions/login/make-users.ts alice:wonderland bob:builder carol:singer > functions/login/users.json
 * Only the hashes are committed; the demo passwords are listed in functions/login/README.md.
 */
import { hashPassword, type PasswordRecord } from "./passwords";

export async function makeUsers(pairs: readonly string[]): Promise<PasswordRecord[]> {
  return Promise.all(
    pairs.map((pair) => {
      const at = pair.indexOf(":");
      if (at < 1) throw new Error(`expected username:password, got ${JSON.stringify(pair)}`);
      return hashPassword(pair.slice(0, at), pair.slice(at + 1));
    }),
  );
}

if (require.main === module) {
  makeUsers(process.argv.slice(2)).then(
    (users) => process.stdout.write(`${JSON.stringify(users, null, 2)}\n`),
    (error: unknown) => {
      console.error(String(error));
      process.exit(1);
    },
  );
}
