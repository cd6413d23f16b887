import * as path from "node:path";
import { PRINCIPALS_KEY, readStackConfig, type EvaluateOptions } from "../engine";

/**
 * The identity that stands in, on this machine only, for a principal the stack declares without members yet
 * (`callgraph:principals: { developers: [] }`): a group at `demo.callgraph.invalid`, a name that can never be a
 * real principal (`.invalid` is reserved, RFC 2606), so it cannot reach a real binding even by mistake
 * (`callgraph preflight` refuses it). In the cloud an unset principal grants nothing; here the example's
 * developers can still call what they will be allowed to call.
 */
export function demoMember(principal: string): string {
  return `group:${principal}@demo.callgraph.invalid`;
}

/**
 * The config the local stack evaluates the program with: the stack's own (its file, then `options.config`), with
 * every principal that has no members yet given its {@link demoMember}. Read anew at each evaluation, so a stack
 * file edited while `npm start` serves is followed. Anything malformed is left as it is, for the program to refuse.
 */
export function localConfig(options: EvaluateOptions, defaultProgramDir: string): Record<string, unknown> {
  const programDir = path.resolve(options.programDir ?? defaultProgramDir);
  const declared = {
    ...readStackConfig(programDir, options.stack ?? "dev").config,
    ...(options.config ?? {}),
  };
  const principals = declared[PRINCIPALS_KEY];
  if (principals === null || typeof principals !== "object" || Array.isArray(principals))
    return { ...(options.config ?? {}) };
  const filled = Object.fromEntries(
    Object.entries(principals as Record<string, unknown>).map(([name, members]) => [
      name,
      members === null || members === undefined || (Array.isArray(members) && members.length === 0)
        ? [demoMember(name)]
        : members,
    ]),
  );
  return { ...(options.config ?? {}), [PRINCIPALS_KEY]: filled };
}

/** Principal name -> the member `invoke --as NAME --local` calls as: its first member (a demo one when unset). */
export function localPrincipals(config: Readonly<Record<string, unknown>>): Record<string, string> {
  const principals = config[PRINCIPALS_KEY];
  if (principals === null || typeof principals !== "object" || Array.isArray(principals)) return {};
  return Object.fromEntries(
    Object.entries(principals as Record<string, unknown>).flatMap(([name, members]) => {
      const first = typeof members === "string" ? members : Array.isArray(members) ? members[0] : undefined;
      return typeof first === "string" ? [[name, first]] : [];
    }),
  );
}
