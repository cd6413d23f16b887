import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

/** A stored password: scrypt (RFC 7914) with its own salt and cost parameters. */
export interface PasswordRecord {
  readonly username: string;
  /** base64 */
  readonly salt: string;
  /** base64 scrypt output of `keylen` bytes */
  readonly hash: string;
  readonly N: number;
  readonly r: number;
  readonly p: number;
  readonly keylen: number;
}

export type ScryptParams = Pick<PasswordRecord, "N" | "r" | "p" | "keylen">;

/** OWASP's minimum for scrypt (N=2^17 is its first choice; 2^14 keeps a cold demo function fast). */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 14, r: 8, p: 1, keylen: 32 };

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  // scrypt needs 128 * N * r bytes; the default cap (32 MiB) is too tight for larger N.
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r };
  return new Promise((resolve, reject) =>
    scrypt(password, salt, params.keylen, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

/** A new record for `username` with a random salt. */
export async function hashPassword(
  username: string,
  password: string,
  params: ScryptParams = DEFAULT_SCRYPT,
): Promise<PasswordRecord> {
  const salt = randomBytes(16);
  const hash = await derive(password, salt, params);
  return { username, salt: salt.toString("base64"), hash: hash.toString("base64"), ...params };
}

/** Whether `password` matches `record`, compared in constant time. */
export async function verifyPassword(record: PasswordRecord, password: string): Promise<boolean> {
  const expected = Buffer.from(record.hash, "base64");
  if (expected.length !== record.keylen) return false;
  const actual = await derive(password, Buffer.from(record.salt, "base64"), record);
  return timingSafeEqual(actual, expected);
}
