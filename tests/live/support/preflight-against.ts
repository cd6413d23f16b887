import { auth as authPlus } from "googleapis/build/src/apis/iam";
import { createGoogleClients, GoogleAuth } from "../../../live/google-clients";
import type { DeclaredDeployment } from "../../../live/preflight/declared";
import { runPreflight } from "../../../live/preflight/run-preflight";
import type { PreflightReport } from "../../../live/preflight/types";
import { healthyProject } from "./deployment";
import { FakeGoogle, type FakeProject } from "./fake-google";

/** Credentials injected in-process (an access token the fakes accept); the ADC path runs in the CLI tests. */
export function unitAuth(): GoogleAuth {
  const client = new authPlus.OAuth2();
  client.setCredentials({ access_token: "unit-token", expiry_date: Date.now() + 3_600_000 });
  return new GoogleAuth({ authClient: client });
}

/**
 * Runs preflight for `declared` against a loopback Google holding everything it needs ({@link healthyProject}),
 * changed by `change` first; fails the test if a read reached no route.
 */
export async function preflightAgainst(
  declared: DeclaredDeployment,
  change: (p: FakeProject) => void = () => undefined,
  options: { readonly strict?: boolean } = {},
): Promise<{ report: PreflightReport; fake: FakeGoogle }> {
  const project = healthyProject(declared);
  change(project);
  const fake = await FakeGoogle.start(project);
  try {
    const clients = createGoogleClients({
      auth: unitAuth(),
      apiRoot: fake.root,
      retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
      fetchImplementation: globalThis.fetch,
    });
    const report = await runPreflight(declared, clients, {
      stack: "test",
      today: new Date("2026-06-01T00:00:00Z"),
      ...(options.strict === undefined ? {} : { strict: options.strict }),
    });
    expect(fake.unexpected).toEqual([]);
    return { report, fake };
  } finally {
    await fake.close();
  }
}
