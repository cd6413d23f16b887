import { isDefaultAccount, isDefaultBuildAccount, isPublicMember } from "../../iam";
import { CALLEES_ENV, parseCallees, type DeclaredAudit, type DeclaredFunction } from "./declared";
import { describeRef, removeBindingCommand } from "./describe-ref";
import type { AuditFinding, AuditResult, FunctionAudit, InvokerRow } from "./findings";
import { failedDeployment, invokerCheckDisabled } from "./function-state";
import { indirectInvokers } from "./indirect-invokers";
import { liveInvokers, type LiveInvoker } from "./live-grants";
import { notVisibleOf } from "./not-visible";
import type { LiveFunction, LiveSnapshot } from "./types";

const FUNCTION_IDENTITY = "https://cloud.google.com/functions/docs/securing/function-identity";
const KEYS_SOURCE = "https://cloud.google.com/iam/docs/best-practices-for-managing-service-account-keys";
const HIERARCHY = "https://cloud.google.com/iam/docs/resource-hierarchy-access-control";

/**
 * Holds the live project against the declaration. Pure: everything read is in `live`, and a refused read only
 * ever adds to `notVisible` (what it hides is not called clean, nor reported as a finding it cannot prove).
 */
export function audit(declared: DeclaredAudit, live: LiveSnapshot, stack: string): AuditResult {
  const listed = new Map(live.listings.map((l) => [l.generation, l.observed.visible]));
  const deployed = live.listings.flatMap((l) => (l.observed.visible ? l.observed.value : []));
  const liveByName = new Map(deployed.map((f) => [f.name, f]));
  const declaredByName = new Map(declared.functions.map((f) => [f.name, f]));
  const invokers = liveInvokers(live, deployed);
  const indirect = indirectInvokers(live, deployed, invokers, declared);
  const stackAccounts = stackAccountsOf(declared);
  const findings: AuditFinding[] = [...indirect.findings];
  const functions: FunctionAudit[] = [];
  const refused = new Set([
    ...live.policies.filter((p) => !p.observed.visible).map((p) => `${p.ref.scope} ${p.ref.name}`),
    // A service that could not be read may have its invoker check off: what may invoke is not known.
    ...[...live.services].filter(([, o]) => !o.visible).map(([name]) => `run-service ${name}`),
  ]);
  const isComplete = (f: LiveFunction) =>
    inheritedComplete && refsOf(f).every((r) => !refused.has(r)) && !indirect.incomplete.has(f.name);
  /** The invoker check, for a 2nd-gen function: a finding and a row when it is off. */
  const invokerCheck = (f: LiveFunction, declaredPublic: boolean) =>
    invokerCheckDisabled(f, f.service ? live.services.get(f.service) : undefined, declaredPublic);
  const inheritedComplete =
    live.ancestry.visible && ![...refused].some((r) => /^(project|folder|organization) /.test(r));

  for (const d of declared.functions) {
    const f = liveByName.get(d.name);
    if (!f) {
      const known = listed.get(d.generation) === true;
      if (known)
        findings.push({
          kind: "missing-function",
          subject: d.name,
          function: d.name,
          problem: `declared (gen ${d.generation}) but not deployed in ${declared.region}: its callers' calls fail until it is.`,
          fix: `pulumi up --stack ${stack}`,
        });
      functions.push({
        name: d.name,
        generation: d.generation,
        status: known ? "not-deployed" : "unknown",
        serviceAccount: d.serviceAccount,
        invokers: d.invokers.map((i) => ({
          ...i,
          declared: true,
          live: false,
          public: isPublicMember(i.member),
        })),
        complete: false,
      });
      continue;
    }
    const direct = invokers.direct.get(d.name) ?? [];
    const complete = isComplete(f);
    const rows: InvokerRow[] = [];
    for (const g of direct) {
      const isDeclared = d.invokers.some((i) => i.member === g.member && i.role === g.role);
      rows.push(row(g, isDeclared));
      if (!isDeclared) findings.push(grantFinding(g, [d.name], stackAccounts, declared));
    }
    for (const i of d.invokers) {
      if (direct.some((g) => g.member === i.member && g.role === i.role)) continue;
      rows.push({ ...i, declared: true, live: false, public: isPublicMember(i.member) });
      // A declared grant is "missing" only when the policies it could sit on were all read.
      if (refsOf(f).some((r) => refused.has(r))) continue;
      findings.push({
        kind: "missing-grant",
        subject: `${i.member} → ${d.name}`,
        function: d.name,
        member: i.member,
        role: i.role,
        problem: `declared, but ${i.role} for ${i.member} is not in the live policy of ${d.name}: not yet applied, or removed by hand; calls from it are refused (403).`,
        fix: `pulumi up --stack ${stack} (the stack's binding is authoritative and puts it back); the project's audit logs (SetIamPolicy) tell who removed it`,
        source: "https://cloud.google.com/logging/docs/audit",
      });
    }
    rows.push(...invokers.inherited.map((g) => row(g, isDeclaredInherited(g, declared))));
    rows.push(...(indirect.rows.get(d.name) ?? []));
    const check = invokerCheck(
      f,
      d.invokers.some((i) => isPublicMember(i.member)),
    );
    if (check) {
      rows.unshift(check.row);
      findings.push(check.finding);
    }
    const failed = failedDeployment(d, f, stack);
    if (failed) findings.push(failed);
    findings.push(...differences(d, f, stack));
    functions.push({
      name: d.name,
      generation: f.generation,
      status: "deployed",
      ...account(f),
      invokers: rows,
      complete,
      ...(check ? { invokerIamDisabled: true } : {}),
      ...(f.state ? { state: f.state } : {}),
    });
  }

  for (const f of deployed.filter((f) => !declaredByName.has(f.name))) {
    const direct = invokers.direct.get(f.name) ?? [];
    findings.push({
      kind: "undeclared-function",
      subject: f.name,
      function: f.name,
      problem:
        `gen ${f.generation} function in ${declared.region} that stack ${stack} does not declare` +
        `${f.serviceAccount ? `, running as ${f.serviceAccount}` : ""}${f.serviceAccount && isDefaultAccount(f.serviceAccount) ? " (a default account, which holds Editor)" : ""}; ` +
        `${direct.length} direct invoking grant${direct.length === 1 ? "" : "s"}. Nobody reviews who may call it.`,
      fix: `declare it in callgraph:functions of Pulumi.${stack}.yaml, or delete it (gcloud functions delete ${f.name} --region=${f.region} --project=${declared.project})`,
      source: FUNCTION_IDENTITY,
    });
    // On a function nobody declared every grant is undeclared; those that open it to anyone, or hand a stack
    // account an undeclared edge, are worth their own finding.
    for (const g of direct)
      if (g.public || (g.serviceAccount && stackAccounts.has(g.serviceAccount)))
        findings.push(grantFinding(g, [f.name], stackAccounts, declared));
    const check = invokerCheck(f, false);
    if (check) findings.push(check.finding);
    functions.push({
      name: f.name,
      generation: f.generation,
      status: "undeclared",
      ...account(f),
      invokers: [
        ...(check ? [check.row] : []),
        ...[...direct, ...invokers.inherited].map((g) => row(g, false)),
        ...(indirect.rows.get(f.name) ?? []).map((r) => ({ ...r, declared: false })),
      ],
      complete: isComplete(f),
      ...(check ? { invokerIamDisabled: true } : {}),
      ...(f.state ? { state: f.state } : {}),
    });
  }

  const reaches = deployed.map((f) => f.name).sort();
  for (const g of invokers.inherited)
    if (!isDeclaredInherited(g, declared)) findings.push(grantFinding(g, reaches, stackAccounts, declared));

  findings.push(...keyFindings(live, stackAccounts, deployed, declared.project));
  return {
    project: declared.project,
    region: declared.region,
    policySource: live.policySource,
    functions: functions.sort((a, b) => a.name.localeCompare(b.name)),
    findings,
    notVisible: notVisibleOf(live),
  };
}

/** The stack's own accounts (runtime and build), by email, with what the stack uses each for. */
function stackAccountsOf(declared: DeclaredAudit): Map<string, string> {
  const uses = new Map<string, string[]>();
  const add = (email: string | undefined, use: string) => {
    if (!email) return;
    uses.set(email, [...(uses.get(email) ?? []), use]);
  };
  for (const f of declared.functions) {
    add(f.serviceAccount, `runtime of ${f.name}`);
    add(f.buildServiceAccount, `build of ${f.name}`);
  }
  return new Map([...uses].map(([email, list]) => [email, summarizeUses(list)]));
}

/** "build of a, b, c" rather than one entry per function: every function shares the build account. */
function summarizeUses(uses: readonly string[]): string {
  const byKind = new Map<string, string[]>();
  for (const u of uses) {
    const [kind, name] = u.split(" of ") as [string, string];
    byKind.set(kind, [...(byKind.get(kind) ?? []), name]);
  }
  return [...byKind]
    .map(([kind, names]) => `${kind} of ${names.length > 3 ? `${names.length} functions` : names.join(", ")}`)
    .join("; ");
}

/** A grant the declaration does not make, classified by who it lets in. */
function grantFinding(
  g: LiveInvoker,
  reaches: readonly string[],
  stackAccounts: ReadonlyMap<string, string>,
  declared: DeclaredAudit,
): AuditFinding {
  const inherited =
    g.grantedOn.scope === "project" || g.grantedOn.scope === "folder" || g.grantedOn.scope === "organization";
  const target = inherited ? `every function of project ${declared.project}` : reaches[0]!;
  const where = describeRef(g.grantedOn);
  const conditional = g.condition ? ` (conditional: ${g.condition})` : "";
  const base = {
    member: g.member,
    role: g.role,
    grantedOn: g.grantedOn,
    ...(inherited ? { reaches } : { function: reaches[0]! }),
    ...(g.condition ? { condition: g.condition } : {}),
    subject: `${g.member} → ${inherited ? `every function (${where})` : target}`,
    ...(inherited ? { source: HIERARCHY } : {}),
  };
  const remove = removeBindingCommand(g.grantedOn, g.member, g.role);
  const use = g.serviceAccount ? stackAccounts.get(g.serviceAccount) : undefined;
  if (g.public)
    return {
      kind: "public-exposure",
      ...base,
      problem: `${g.member === "allUsers" ? "anyone on the internet" : "any Google account"} may invoke ${target}: ${g.role} is granted to ${g.member} on ${where}${conditional}, and the declaration makes no function public there.`,
      fix: `${remove}; if it is meant to be public, declare it (invokers: [${g.member}])`,
    };
  if (use !== undefined)
    return {
      kind: "account-overreach",
      ...base,
      account: g.serviceAccount!,
      accountUse: use,
      problem: `${g.serviceAccount} (${use}) may invoke ${target}: ${g.role} on ${where}${conditional}, which the declaration does not grant it.`,
      fix: inherited ? remove : `${remove}; or declare the edge (calls: [${target}]) if the code calls it`,
    };
  return {
    kind: "undeclared-invoker",
    ...base,
    problem: `${g.member} may invoke ${target}: ${g.role} on ${where}${conditional}, not in the declaration.`,
    fix: inherited ? remove : `${remove}; or declare it (invokers: [${g.member}] of ${target})`,
  };
}

/** Deployed settings that differ from the declaration. */
function differences(d: DeclaredFunction, f: LiveFunction, stack: string): AuditFinding[] {
  const findings: AuditFinding[] = [];
  const fix = `pulumi up --stack ${stack} (it deploys the declared settings); \`pulumi refresh\` first shows the drift in the stack's state`;
  const differ = (
    field: "serviceAccount" | "buildServiceAccount" | "callees",
    expected: string,
    actual: string,
    problem: string,
  ) =>
    findings.push({
      kind: "deployed-differs",
      subject: `${d.name}: ${field}`,
      function: d.name,
      field,
      expected,
      actual,
      problem,
      fix,
    });
  const runtime = f.serviceAccount ?? "";
  if (runtime !== d.serviceAccount)
    differ(
      "serviceAccount",
      d.serviceAccount,
      runtime,
      `runs as ${runtime || "the platform's default account"}${runtime && isDefaultAccount(runtime) ? " (a default account, which holds Editor)" : ""}, declared ${d.serviceAccount}: its callees let the declared account in, not this one.`,
    );
  const build = f.buildServiceAccount ?? "";
  if (d.buildServiceAccount !== undefined && build !== d.buildServiceAccount)
    differ(
      "buildServiceAccount",
      d.buildServiceAccount,
      build,
      `builds as ${build || "the project's default build identity"}${build && isDefaultBuildAccount(build) ? " (a default build account)" : ""}, declared ${d.buildServiceAccount}.`,
    );
  const raw = f.environment[CALLEES_ENV];
  const live = parseCallees(raw);
  const expected = JSON.stringify(sorted(d.callees ?? {}));
  const actual = raw === undefined ? "" : live === undefined ? raw : JSON.stringify(sorted(live));
  if ((d.callees !== undefined || raw !== undefined) && expected !== actual) {
    const want = d.callees ?? {};
    const have = live ?? {};
    const changes = [
      ...Object.keys(want)
        .filter((k) => !(k in have))
        .map((k) => `${k} missing`),
      ...Object.keys(have)
        .filter((k) => !(k in want))
        .map((k) => `${k} not declared (${have[k]})`),
      ...Object.keys(want)
        .filter((k) => k in have && have[k] !== want[k])
        .map((k) => `${k} is ${have[k]}, declared ${want[k]}`),
    ];
    differ(
      "callees",
      expected,
      actual,
      `${CALLEES_ENV} differs from the declaration: ${raw !== undefined && live === undefined ? "not a JSON object" : changes.join("; ")}.`,
    );
  }
  return findings;
}

/** User-managed keys on the accounts the functions run or build as. */
function keyFindings(
  live: LiveSnapshot,
  stackAccounts: ReadonlyMap<string, string>,
  deployed: readonly LiveFunction[],
  project: string,
): AuditFinding[] {
  const findings: AuditFinding[] = [];
  for (const [email, observed] of live.accounts) {
    if (!observed.visible || !observed.value.exists || !observed.value.keys.visible) continue;
    const keys = observed.value.keys.value.map((k) => k.name.slice(k.name.lastIndexOf("/") + 1));
    if (keys.length === 0) continue;
    const use =
      stackAccounts.get(email) ??
      deployed
        .filter((f) => f.serviceAccount === email || f.buildServiceAccount === email)
        .map((f) => `${f.serviceAccount === email ? "runtime" : "build"} of ${f.name}`)
        .join("; ");
    findings.push({
      kind: "account-keys",
      subject: email,
      account: email,
      accountUse: use,
      keys,
      problem: `${email} (${use}) holds user-managed key${keys.length === 1 ? "" : "s"} ${keys.join(", ")}: whoever has a key file acts as the account, outside IAM's view.`,
      fix: keys
        .map(
          (id) => `gcloud iam service-accounts keys delete ${id} --iam-account=${email} --project=${project}`,
        )
        .join(" && "),
      source: KEYS_SOURCE,
    });
  }
  return findings;
}

function isDeclaredInherited(g: LiveInvoker, declared: DeclaredAudit): boolean {
  return declared.inheritedInvokers.some((i) => i.member === g.member && i.role === g.role);
}

function row(g: LiveInvoker, declared: boolean): InvokerRow {
  return {
    member: g.member,
    role: g.role,
    grantedOn: g.grantedOn,
    declared,
    live: true,
    public: g.public,
    ...(g.condition ? { condition: g.condition } : {}),
  };
}

function refsOf(f: LiveFunction): string[] {
  return [`function ${f.resourceName}`, ...(f.service ? [`run-service ${f.service}`] : [])];
}

function account(f: LiveFunction): { serviceAccount?: string } {
  return f.serviceAccount ? { serviceAccount: f.serviceAccount } : {};
}

function sorted(map: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).sort(([a], [b]) => a.localeCompare(b)));
}
