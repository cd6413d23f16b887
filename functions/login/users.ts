import { randomBytes } from "node:crypto";
import { verifyPassword, type PasswordRecord } from "./passwords";
import users from "./users.json";

// Demo users only (see README.md); bundled into the function's single file.
const records: readonly PasswordRecord[] = users;
const byUsername = new Map(records.map((u) => [u.username, u]));

/**
 * Stands in for a missing user: same cost as a real one, a random hash no password derives. Checking it
 * keeps the answer time the same, so timing does not tell which usernames exist.
 */
const DUMMY: PasswordRecord = {
  ...records[0],
  username: "",
  salt: randomBytes(16).toString("base64"),
  hash: randomBytes(records[0].keylen).toString("base64"),
};

/** Whether `username` exists and `password` is its password; always runs exactly one scrypt. */
export async function checkCredentials(username: string, password: string): Promise<boolean> {
  const record = byUsername.get(username);
  const matches = await verifyPassword(record ?? DUMMY, password);
  return record !== undefined && matches;
}
