import { isDefaultAccount, isDefaultBuildAccount, isInvokerRole, isPublicMember } from "../../iam";
import type { AuditFinding } from "../../live/audit/findings";
import { riskOrder } from "../diff/risk";
import type { Assessment, Risk } from "../diff/types";

/**
 * The risk of each audit finding, with the labels and meaning of `callgraph diff` (cli/diff/types.ts): high when
 * someone the declaration does not name may invoke (or could, with a key), medium when the deployment departs from
 * the declaration without opening access, low when access the declaration grants is missing.
 */
export function assessFinding(f: AuditFinding): Assessment {
  const broad = (): [Risk, string][] =>
    f.role && !isInvokerRole(f.role) ? [["high", `broad role ${f.role}: more than invoking`]] : [];
  const conditional = (): [Risk, string][] => (f.condition ? [["high", `conditional: ${f.condition}`]] : []);
  switch (f.kind) {
    case "public-exposure":
      return assess([
        ["high", `undeclared public invoker: ${f.member} on ${where(f)}`],
        ...broad(),
        ...conditional(),
      ]);
    case "undeclared-invoker":
      return assess([
        ["high", `undeclared grant: ${f.member} has ${f.role} on ${where(f)}`],
        ...broad(),
        ...conditional(),
      ]);
    case "account-overreach":
      return assess([
        ["high", `undeclared edge: ${f.account} (${f.accountUse}) has ${f.role} on ${where(f)}`],
        ...broad(),
      ]);
    case "account-keys":
      return assess([
        ["high", `user-managed key${f.keys!.length === 1 ? "" : "s"} ${f.keys!.join(", ")} on ${f.account}`],
      ]);
    case "undeclared-function":
      return assess([["medium", "function not in the declaration: nobody reviews who may invoke it"]]);
    case "deployed-differs": {
      const reasons: [Risk, string][] = [
        ["medium", `${f.field} is ${f.actual || "unset"}, declared ${f.expected}`],
      ];
      if (f.field === "serviceAccount" && (f.actual === "" || isDefaultAccount(f.actual!)))
        reasons.push(["high", "runs as a default account, which holds Editor on the project"]);
      if (f.field === "buildServiceAccount" && (f.actual === "" || isDefaultBuildAccount(f.actual!)))
        reasons.push(["high", "builds as a default build identity"]);
      return assess(reasons);
    }
    case "invoker-check-disabled":
      // The worst there is: public whatever the policy says. The diff's scale has no level above high, so the
      // headline says critical.
      return assess([
        [
          "high",
          `critical: invoker IAM check off on ${where(f)}: anyone may invoke ${f.function}, whatever its IAM policy says`,
        ],
      ]);
    case "indirect-invoker": {
      const reasons: [Risk, string][] = [
        [
          f.role === "roles/iam.serviceAccountUser" ? "medium" : "high",
          `may act as ${f.account} (${f.role} on ${f.via?.grantedOn}), which may invoke ${(f.reaches ?? []).join(", ")}`,
        ],
      ];
      if (f.member && isPublicMember(f.member)) reasons.push(["high", `public member ${f.member}`]);
      if (f.condition) reasons.push(["high", `conditional: ${f.condition}`]);
      return assess(reasons);
    }
    case "failed-deployment":
      return assess([["medium", `deployment failed (${f.state}): ${f.function} is not serving as declared`]]);
    case "missing-grant":
      return assess([["low", `declared grant not applied: ${f.member} may not invoke ${f.function}`]]);
    case "missing-function":
      return assess([["low", `declared function not deployed: ${f.function}`]]);
    case "missing-source":
      return assess([["low", `declared source not deployed: ${f.subject}`]]);
    case "source-differs":
      return assess([
        [
          f.field === "sourceAccount" ? "high" : "medium",
          `${f.subject}: ${f.field === "sourceAccount" ? "calls as" : "calls"} ${f.actual || "(no token)"}, declared ${f.expected}`,
        ],
      ]);
    case "agent-grant-missing":
      return assess([
        ["medium", `${f.subject} delivers nothing: ${f.member} may not mint ${f.account}'s tokens`],
      ]);
    case "undeclared-source":
      return assess([["high", `undeclared caller ${f.subject}${f.account ? ` as ${f.account}` : ""}`]]);
  }
}

function where(f: AuditFinding): string {
  return f.grantedOn ? f.grantedOn.name : (f.function ?? "");
}

/** The worst risk of the reasons; the headline stays first (as cli/diff/risk.ts does). */
function assess(reasons: readonly [Risk, string][]): Assessment {
  const risk = reasons.reduce<Risk>((worst, [r]) => (riskOrder(r) < riskOrder(worst) ? r : worst), "low");
  return { risk, reasons: reasons.map(([, text]) => text) };
}
