import { z } from "zod";

/**
 * Cloud Functions (1st gen) memory sizes in MB.
 * https://cloud.google.com/functions/docs/configuring/memory
 */
export const MEMORY_SIZES_MB = [128, 256, 512, 1024, 2048, 4096, 8192] as const;

/** Ingress settings, as the Cloud Functions API spells them (the same three values in both generations). */
export const INGRESS_SETTINGS = ["ALLOW_ALL", "ALLOW_INTERNAL_ONLY", "ALLOW_INTERNAL_AND_GCLB"] as const;
export type Ingress = (typeof INGRESS_SETTINGS)[number];

/** Cloud Functions generations: 1st gen, or Cloud Run functions (2nd gen). */
export const GENERATIONS = [1, 2] as const;
export type Generation = (typeof GENERATIONS)[number];

/**
 * The longest timeout of an HTTP function, per generation: 540 s on 1st gen, 60 minutes on 2nd gen
 * (https://cloud.google.com/functions/docs/configuring/timeout, "Maximum timeout duration").
 */
export const MAX_TIMEOUT_SECONDS = { 1: 540, 2: 3600 } as const;

/** Defaults for the optional runtime settings, applied by `parseTopology`. */
export const DEFAULTS = {
  memoryMb: 256,
  timeoutSeconds: 60,
  // A ceiling on instances keeps a runaway caller (or a cycle) from scaling the bill without bound.
  maxInstances: 10,
  ingress: "ALLOW_ALL" as Ingress,
  // 2nd gen: 1st gen has no Node.js runtime every project created now accepts (nodejs20 was decommissioned on
  // 2026-10-30; nodejs22 is refused on 1st gen in many newer projects: firebase/firebase-functions#1653,
  // GetStream/stream-firebase-extensions#711 and #797, algolia/firestore-algolia-search#237; runtimes.ts).
  generation: 2 as Generation,
} as const;

/**
 * Egress settings of a Serverless VPC Access connector, as both generations' APIs spell them: only private ranges
 * go through the connector (Google's default), or all traffic
 * (https://cloud.google.com/functions/docs/networking/network-settings#route-egress-to-vpc).
 */
export const VPC_CONNECTOR_EGRESS_SETTINGS = ["PRIVATE_RANGES_ONLY", "ALL_TRAFFIC"] as const;
export type VpcConnectorEgress = (typeof VPC_CONNECTOR_EGRESS_SETTINGS)[number];

/** The most concurrent requests a 2nd-gen instance may take (https://cloud.google.com/functions/docs/configuring/concurrency). */
export const MAX_CONCURRENCY = 1000;

/**
 * One secret a function reads (`secrets:` list entry): the secret (its id in the function's project, or
 * `projects/P/secrets/S`), its version (default `latest`), and either the environment variable (`env`) or the file
 * (`path`, absolute) it appears as. Strict like the function's own keys; the rest is checked in `secrets.ts`.
 */
export const secretDeclarationSchema = z.strictObject({
  secret: z.string(),
  version: z.union([z.string(), z.number().int()]).optional(),
  env: z.string().optional(),
  path: z.string().optional(),
});

export type SecretDeclaration = z.infer<typeof secretDeclarationSchema>;

/** Keys a secret entry may have, for the "unknown key" message. */
export const SECRET_KEYS = Object.keys(secretDeclarationSchema.shape);

/**
 * The stack-wide `callgraph:generation`, and a function's own: 1 or 2, as numbers. One literal of both values rather
 * than a union of two: its error lists them (`"1" is not one of 1, 2`), where a union's says only "Invalid input".
 */
export const generationSchema = z.literal(GENERATIONS);

/** A whole number from `min` to `max`, refused in those words (`must be 1 to 3600 seconds, got 0`), not zod's. */
function wholeNumber(min: number, max: number, unit = "") {
  const range = `must be a whole number from ${min} to ${max}${unit}`;
  return z.number().int({ error: range }).min(min, { error: range }).max(max, { error: range });
}

/**
 * One function's declaration. Strict: any other key is an error (a typo such as `call:` must not be
 * silently ignored, or an edge would quietly go missing). Cross-references (does a callee exist, is a member
 * well formed, does the source folder exist) are checked in `parse.ts`, where all functions are known.
 */
export const functionDeclarationSchema = z.strictObject({
  calls: z.array(z.string()).optional(),
  invokers: z.array(z.string()).optional(),
  source: z.string().min(1, { error: "must name a folder of the project, not be empty" }).optional(),
  entryPoint: z.string().optional(),
  memory: z
    .number()
    .int()
    .refine((v) => (MEMORY_SIZES_MB as readonly number[]).includes(v), {
      message: `must be one of ${MEMORY_SIZES_MB.join(", ")} (MB)`,
    })
    .optional(),
  // At most 3600 s, 2nd gen's limit for HTTP functions; 1st gen's 540 s is checked per function in parse.ts, where
  // its generation is known (https://cloud.google.com/functions/docs/configuring/timeout).
  timeout: wholeNumber(
    1,
    MAX_TIMEOUT_SECONDS[2],
    ` seconds (1st gen: up to ${MAX_TIMEOUT_SECONDS[1]})`,
  ).optional(),
  maxInstances: wholeNumber(1, 3000).optional(),
  ingress: z.enum(INGRESS_SETTINGS).optional(),
  // Overrides the stack-wide `callgraph:generation` for this function.
  generation: generationSchema.optional(),
  // Overrides the stack-wide `callgraph:runtime`; checked against the generation in `runtimes.ts`.
  runtime: z.string().optional(),
  // The user's own environment variables, name -> value; names are checked in `settings.ts` (valid, and none the
  // program or the platform sets).
  environment: z.record(z.string(), z.string()).optional(),
  // Secret Manager secrets the function reads, as environment variables or files (`secrets.ts`).
  secrets: z.array(secretDeclarationSchema).optional(),
  // Instances kept warm; at most `maxInstances` (checked in parse.ts, where both are known).
  minInstances: wholeNumber(0, 3000).optional(),
  // A Serverless VPC Access connector: its name (in the function's project and region) or its full name.
  vpcConnector: z.string().optional(),
  vpcConnectorEgressSettings: z.enum(VPC_CONNECTOR_EGRESS_SETTINGS).optional(),
  // Resource labels on the function, name -> value (`settings.ts` holds Google's label rules).
  labels: z.record(z.string(), z.string()).optional(),
  // 2nd gen only: requests one instance serves at once, Cloud Run's maxInstanceRequestConcurrency
  // (https://cloud.google.com/functions/docs/configuring/concurrency: "The maximum concurrency value is 1000").
  concurrency: wholeNumber(1, MAX_CONCURRENCY).optional(),
  // 2nd gen only: vCPUs per instance (availableCpu), a number or a numeric string; checked with memory in `settings.ts`.
  cpu: z.union([z.number(), z.string()]).optional(),
});

export type FunctionDeclaration = z.infer<typeof functionDeclarationSchema>;

/** Keys a function declaration may have, for the "unknown key" message. */
export const DECLARATION_KEYS = Object.keys(functionDeclarationSchema.shape);
