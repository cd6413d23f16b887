import * as fs from "node:fs";
import { unzipSync, zipSync } from "fflate";
import { buildFunctionArchive } from "../../components";
import { unzipArchive } from "../../local/unzip";
import { fixtureSource, REPO_ROOT } from "../fixtures";

// local/unzip.ts inflates natively what fflate would inflate in JavaScript: the same files, and a zip fflate's
// `unzipSync` refuses is refused too.

const text = (s: string, times: number) => new TextEncoder().encode(s.repeat(times));

/** Offsets of every record with this 4-byte signature (little-endian, as APPNOTE 4.3.7 and 4.3.12 write them). */
function records(zip: Uint8Array, signature: number): number[] {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const at: number[] = [];
  for (let i = 0; i + 4 <= zip.length; i++) if (view.getUint32(i, true) === signature) at.push(i);
  return at;
}
/** The same entries, in the same order, with the same bytes (jest's toEqual walks a megabyte element by element). */
function expectSameFiles(actual: Record<string, Uint8Array>, expected: Record<string, Uint8Array>): void {
  expect(Object.keys(actual)).toEqual(Object.keys(expected));
  for (const [name, bytes] of Object.entries(expected))
    expect({ name, same: Buffer.from(actual[name]).equals(bytes) }).toEqual({ name, same: true });
}

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;

/** A copy of `zip` with the 16- or 32-bit field at `offset` of every record `signature` set to `value`. */
function patched(
  zip: Uint8Array,
  signature: number,
  offset: number,
  bytes: 2 | 4,
  value: number,
): Uint8Array {
  const copy = Uint8Array.from(zip);
  const view = new DataView(copy.buffer);
  for (const at of records(copy, signature))
    if (bytes === 2) view.setUint16(at + offset, value, true);
    else view.setUint32(at + offset, value, true);
  return copy;
}

test("a function's archive as the program builds it: the same files, byte for byte, as fflate's unzipSync", () => {
  const archive = buildFunctionArchive({ projectRoot: REPO_ROOT, source: fixtureSource("alpha") });
  const zip = fs.readFileSync(archive.path);
  const files = unzipArchive(zip);
  expect(Object.keys(files).length).toBeGreaterThan(0);
  expectSameFiles(files, unzipSync(zip));
});

test("stored, deflated and empty entries, in folders, in their order", () => {
  const zip = zipSync({
    "stored.txt": [text("stored ", 5000), { level: 0 }],
    "deep/er/deflated.js": [text("deflated ", 20000), { level: 9 }],
    empty: new Uint8Array(0),
  });
  const files = unzipArchive(zip);
  expect(Object.keys(files)).toEqual(["stored.txt", "deep/er/deflated.js", "empty"]);
  expectSameFiles(files, unzipSync(zip));
});

describe("a zip that is not whole or not valid is refused", () => {
  const zip = zipSync({ "a.js": text("a ", 30000), "b.js": text("b ", 30000) });

  test("cut off in its central directory (fflate's streaming reader alone would unpack both files)", () => {
    const cut = zip.subarray(0, zip.length - 30);
    // fflate's own error, from its reading of the central directory
    expect(() => unzipSync(cut)).toThrow(/^invalid zip data$/);
    expect(() => unzipArchive(cut)).toThrow(/^invalid zip data$/);
  });

  test("cut off in an entry", () => {
    expect(() => unzipArchive(zip.subarray(0, records(zip, LOCAL_HEADER)[1] - 10))).toThrow();
  });

  test("a corrupt deflate stream: zlib's error", () => {
    const corrupt = Uint8Array.from(zip);
    corrupt.fill(0xff, 40, 60); // inside a.js's compressed data, past its 30-byte header and name
    expect(() => unzipArchive(corrupt)).toThrow(/invalid|incorrect|unexpected end/i);
  });

  test("an entry compressed by a method neither decoder reads (12, bzip2)", () => {
    const bzip2 = patched(patched(zip, LOCAL_HEADER, 8, 2, 12), CENTRAL_HEADER, 10, 2, 12);
    expect(() => unzipArchive(bzip2)).toThrow(/compression/);
  });

  test("entries whose size differs from the central directory's", () => {
    const lying = patched(zip, CENTRAL_HEADER, 24, 4, 1);
    expect(() => unzipArchive(lying)).toThrow("its entries do not match its central directory");
  });
});
