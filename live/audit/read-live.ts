import { googleFailure } from "../google-errors";
import { describeRefusal } from "../preflight/check-apis";
import { observe, readAccount } from "../preflight/read-project";
import type { AuditClients } from "./audit-clients";
import type { ProgressListener } from "./progress";
import { isServiceDisabled, matchAssetPolicies, searchIamPolicies } from "./read-asset-policies";
import { liveInvokers } from "./live-grants";
import { listFunctionsV1, listFunctionsV2, readService } from "./read-functions";
import {
  policyRefsOf,
  readAccountPolicy,
  readAncestry,
  readPolicy,
  readProjectNumber,
} from "./read-policies";
import { ancestorsWithin } from "./scope";
import type { LiveFunction, LiveSnapshot, Observed, PolicyRef, PolicySource } from "./types";

export interface ReadLiveOptions {
  readonly project: string;
  readonly region: string;
  /** `--scope`: read the policies with one Asset Inventory query there; undefined: one read per policy. */
  readonly scope?: string;
  /** Accounts the declaration uses (runtime and build), checked for keys even where no function runs as them. */
  readonly declaredAccounts: readonly string[];
  readonly onProgress?: ProgressListener;
}

/**
 * Reads what decides who may invoke the functions of one region: the functions (both generations, every page),
 * the project's ancestry, every IAM policy on the way (the functions', their Cloud Run services', the project's
 * and its ancestors'), each 2nd-gen function's Cloud Run service (its invoker IAM check), the IAM policy of every
 * service account that may invoke a function (who may act as it), and the accounts the functions run and build
 * as with their user-managed keys. Reads run at once, bounded by the clients' limiter and retried there. Nothing
 * here writes, and no refusal or malformed answer is turned into an empty answer.
 */
export async function readLive(clients: AuditClients, options: ReadLiveOptions): Promise<LiveSnapshot> {
  const { project, region } = options;
  const [v1, v2, ancestry, number] = await Promise.all([
    observe(() => listFunctionsV1(clients, project, region)),
    observe(() => listFunctionsV2(clients, project, region)),
    observe(() => readAncestry(clients, project)),
    options.scope === undefined ? undefined : observe(() => readProjectNumber(clients, project)),
  ]);
  const functions = [v1, v2].flatMap((o) => (o.visible ? o.value : []));
  const ancestors = ancestry.visible ? ancestry.value : [];
  const ids = { id: project, ...(number?.visible && number.value ? { number: number.value } : {}) };

  const functionRefs = functions.flatMap((f) =>
    policyRefsOf(f).map((ref) => ({ ref, generation: f.generation })),
  );
  const all = [
    { ref: { scope: "project", name: `projects/${project}` } as PolicyRef },
    ...functionRefs,
    ...ancestors.map((ref) => ({ ref })),
  ];

  let policySource: PolicySource = { mode: "per-resource" };
  const fromAsset = new Map<PolicyRef, unknown>();
  if (options.scope !== undefined) {
    // Refuses (a usage error) a scope that does not contain the project, before any query.
    const { above } = ancestorsWithin(options.scope, ids, ancestors);
    try {
      const { policies, requests } = await searchIamPolicies(clients, options.scope);
      // 1st-gen function, Cloud Run service, project and ancestor policies below the scope come from the query.
      const covered = all
        .map((r) => r.ref)
        .filter(
          (ref) =>
            !above.includes(ref) && !(ref.scope === "function" && generationOf(functionRefs, ref) === 2),
        );
      for (const [ref, policy] of matchAssetPolicies(covered, policies, ids)) fromAsset.set(ref, policy);
      policySource = { mode: "asset", scope: options.scope, requests };
    } catch (error) {
      const failure = googleFailure(error);
      policySource = {
        mode: "per-resource",
        assetRefusal: `${isServiceDisabled(failure) ? "Cloud Asset API not enabled" : "Asset query refused"} (${describeRefusal(failure)})`,
      };
    }
  }

  const perResource = all.filter((r) => !fromAsset.has(r.ref));
  let done = 0;
  const tick = (phase: string, total: number) => options.onProgress?.(phase, ++done, total);
  const serviceNames = [
    ...new Set(functions.flatMap((f) => (f.generation === 2 && f.service ? [f.service] : []))),
  ];
  const [policies, services] = await Promise.all([
    Promise.all(
      all.map(async ({ ref, ...rest }) => {
        if (fromAsset.has(ref))
          return { ref, observed: { visible: true, value: fromAsset.get(ref) } as Observed<unknown> };
        const generation = "generation" in rest ? rest.generation : undefined;
        const observed: Observed<unknown> = await observe(() => readPolicy(clients, ref, generation));
        tick("reading IAM policies", perResource.length);
        return { ref, observed };
      }),
    ),
    Promise.all(
      serviceNames.map(async (name) => [name, await observe(() => readService(clients, name))] as const),
    ),
  ]);

  // Every service account that may invoke a function (directly or through the project and above): whoever may
  // act as it may invoke what it invokes, so its own policy is read too.
  const invokers = liveInvokers({ policies }, functions);
  const invokingAccounts = [
    ...new Set(
      [...[...invokers.direct.values()].flat(), ...invokers.inherited].flatMap((g) =>
        g.serviceAccount ? [g.serviceAccount] : [],
      ),
    ),
  ].sort();

  const emails = [
    ...new Set([
      ...functions.flatMap((f) => accountsOf(f)),
      ...options.declaredAccounts.map((e) => e.toLowerCase()),
    ]),
  ].sort();
  done = 0;
  const [accounts, accountPolicies] = await Promise.all([
    Promise.all(
      emails.map(async (email) => {
        const observed = await readAccount(clients, email);
        tick("reading service accounts and keys", emails.length + invokingAccounts.length);
        return [email, observed] as const;
      }),
    ),
    Promise.all(
      invokingAccounts.map(async (email) => {
        const observed = await observe(() => readAccountPolicy(clients, email));
        tick("reading service accounts and keys", emails.length + invokingAccounts.length);
        return [email, observed] as const;
      }),
    ),
  ]);

  return {
    project,
    region,
    listings: [
      { generation: 1, observed: v1 },
      { generation: 2, observed: v2 },
    ],
    ancestry,
    policies,
    accounts: new Map(accounts),
    policySource,
    services: new Map(services),
    accountPolicies: new Map(accountPolicies),
  };
}

function generationOf(
  refs: readonly { ref: PolicyRef; generation: 1 | 2 }[],
  ref: PolicyRef,
): 1 | 2 | undefined {
  return refs.find((r) => r.ref === ref)?.generation;
}

function accountsOf(f: LiveFunction): string[] {
  return [f.serviceAccount, f.buildServiceAccount].filter((e): e is string => e !== undefined);
}
