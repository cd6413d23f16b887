import { UNKNOWN } from "./types";

// Sentinels of Pulumi's wire format (sdk/nodejs/runtime/rpc.ts), as they arrive at the monitor.
const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17";
const ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
const OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4";

/**
 * Turns a property value as serialized for the engine into plain data for reviewers and tests: unknowns
 * become {@link UNKNOWN}, secrets their value (this never leaves the machine), assets `{ asset: path }`,
 * resource references their URN.
 */
export function toPlain(value: unknown): unknown {
  if (value === UNKNOWN_VALUE) return UNKNOWN;
  if (Array.isArray(value)) return value.map(toPlain);
  if (value === null || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  switch (record[SIG_KEY]) {
    case ASSET_SIG:
      return { asset: record.path ?? record.uri ?? "<text>" };
    case ARCHIVE_SIG:
      return { archive: record.path ?? record.uri ?? "<assets>" };
    case SECRET_SIG:
      return toPlain(record.value);
    case RESOURCE_SIG:
      return record.urn;
    case OUTPUT_SIG:
      return "value" in record ? toPlain(record.value) : UNKNOWN;
    default:
      return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, toPlain(v)]));
  }
}
