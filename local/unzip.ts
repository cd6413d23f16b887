import { constants, inflateRawSync } from "node:zlib";
import { Unzip, UnzipPassThrough, unzipSync, type AsyncFlateStreamHandler, type UnzipDecoder } from "fflate";

/** zlib's smallest output chunk (`zlib.constants.Z_MIN_CHUNK`), and the most allocated up front for one entry. */
const MIN_CHUNK = constants.Z_MIN_CHUNK;
const MAX_CHUNK = 32 * 1024 * 1024;

/**
 * Deflate (method 8) through Node's zlib. fflate's own inflate is JavaScript, cold in every process that unpacks: for
 * a stack of three functions (about 3 MB of bundles) it took about three times the CPU time (bench/RESULTS.md, the last
 * row of section 5). Inflating is deterministic, so the files are the same bytes. The archive's own deflate, whose
 * bytes name the upload, stays fflate's (components/function-archive.ts): zlib's output may differ between builds.
 */
class NativeInflate implements UnzipDecoder {
  static readonly compression = 8;
  ondata: AsyncFlateStreamHandler = () => {};
  private readonly chunks: Uint8Array[] = [];
  /**
   * zlib's output buffer: the entry's size as its header states it, so a bundle inflates into one buffer rather than
   * growing 16 KB at a time (about a third less time); bounded, since the header is only the zip's word.
   */
  private readonly chunkSize: number;

  constructor(_name: string, _size?: number, originalSize?: number) {
    this.chunkSize = Math.min(Math.max(originalSize ?? 0, MIN_CHUNK), MAX_CHUNK);
  }

  push(chunk: Uint8Array, final: boolean): void {
    // fflate lends the chunk (a view of the zip): copied by the concatenation before it is read.
    this.chunks.push(chunk);
    if (final)
      this.ondata(null, inflateRawSync(Buffer.concat(this.chunks), { chunkSize: this.chunkSize }), true);
  }
}

/**
 * The files of a zip, by entry name, as fflate's `unzipSync` returns them, with every deflated entry inflated
 * natively. fflate's streaming reader (the one that takes a decoder) walks the local headers and would unpack a zip
 * whose central directory is cut off; so the directory is read first, by `unzipSync` itself (which throws on a zip
 * without a valid one) with nothing inflated, and the entries must match it by name and size.
 *
 * @throws Error on a zip that is not valid (fflate's "invalid zip data", zlib's error on a corrupt stream, an entry
 *   compressed by another method, or entries that differ from the central directory).
 */
export function unzipArchive(zip: Uint8Array): Record<string, Uint8Array> {
  const listed = new Map<string, number>();
  unzipSync(zip, { filter: (file) => (listed.set(file.name, file.originalSize), false) });
  // No prototype: an entry named `__proto__` is a file like any other.
  const files: Record<string, Uint8Array> = Object.create(null);
  const reader = new Unzip((file) => {
    const parts: Uint8Array[] = [];
    file.ondata = (error, data, final) => {
      if (error) throw error;
      parts.push(data);
      if (final) files[file.name] = Buffer.concat(parts);
    };
    file.start(); // throws for a compression method neither decoder reads
  });
  reader.register(UnzipPassThrough);
  reader.register(NativeInflate);
  reader.push(zip, true);
  const names = Object.keys(files);
  if (names.length !== listed.size || names.some((name) => listed.get(name) !== files[name].length))
    throw new Error("invalid zip data: its entries do not match its central directory");
  return files;
}
