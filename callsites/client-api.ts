/**
 * Where the project's function library declares the ways code can reach a callee. Everything else follows
 * from the checker: an aliased import, a re-export, a subclass or a destructured handler context all resolve
 * to these declarations, and an unrelated `.call(` (`Function.prototype.call`, another class) does not.
 */
export interface ClientApi {
  /** File declaring the client class and its options interface, relative to the project root. */
  readonly clientModule: string;
  /** The client class; its `callMethod`'s first argument is the callee name. */
  readonly clientClass: string;
  readonly callMethod: string;
  /** The client's options interface; its `calleesProperty` receives the callee URL map. */
  readonly clientOptions: string;
  /** File declaring the function environment interface, relative to the project root. */
  readonly envModule: string;
  /** The environment interface; its `calleesProperty` maps callee name -> URL (a way around the client). */
  readonly envInterface: string;
  readonly calleesProperty: string;
}

/** The library in `functions/shared/` (downstream-client.ts, env.ts). */
export const DEFAULT_CLIENT_API: ClientApi = {
  clientModule: "functions/shared/downstream-client.ts",
  clientClass: "DownstreamClient",
  callMethod: "call",
  clientOptions: "DownstreamClientOptions",
  envModule: "functions/shared/env.ts",
  envInterface: "FunctionEnv",
  calleesProperty: "callees",
};

/** Thrown when the client library no longer declares what `ClientApi` names: the analysis would miss calls. */
export class ClientApiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ClientApiError";
  }
}
