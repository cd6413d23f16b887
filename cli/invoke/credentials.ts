import { GoogleAuth, Impersonated, type AuthClient } from "google-auth-library";
import { UsageError } from "../errors";

const LOGIN = "gcloud auth application-default login";

/**
 * An ID token for `audience` against GCP. As yourself (no `--as`): your Application Default Credentials must be
 * able to mint ID tokens, which a service account or GCE can and a gcloud user login cannot
 * (google-auth-library's `getIdTokenClient` refuses it: "Cannot fetch ID token in this environment"). As a
 * service account (`--as <function>` or `--as serviceAccount:...`): impersonation through the IAM Credentials
 * API, which needs roles/iam.serviceAccountOpenIdTokenCreator on that account
 * (https://cloud.google.com/docs/authentication/use-service-account-impersonation).
 */
export async function deployedIdToken(
  fn: string,
  audience: string,
  member: string | undefined,
): Promise<string> {
  const auth = new GoogleAuth();
  const source = await auth.getClient().catch((error: unknown) => {
    throw new UsageError(
      `invoke ${fn}: no Application Default Credentials (${firstLine(error)}). Log in with ${LOGIN}, or pass --local to call the local stack`,
      { cause: error },
    );
  });
  if (member === undefined) {
    if (!("fetchIdToken" in source))
      throw new UsageError(
        `invoke ${fn}: your credentials (a user login) cannot mint ID tokens. Pass --as <function> to impersonate its service account, or call the URL with curl -H "Authorization: Bearer $(gcloud auth print-identity-token)"`,
      );
    return tokenOrUsageError(fn, "your credentials", () =>
      (source as AuthClient & { fetchIdToken(audience: string): Promise<string> }).fetchIdToken(audience),
    );
  }
  if (!member.startsWith("serviceAccount:"))
    throw new UsageError(
      `invoke ${fn}: --as ${member}: only a service account can be impersonated against GCP. Pass --as <function> or --as serviceAccount:<email>, or omit --as to call as yourself`,
    );
  const account = member.slice("serviceAccount:".length);
  const impersonated = new Impersonated({
    sourceClient: source,
    targetPrincipal: account,
    targetScopes: ["https://www.googleapis.com/auth/cloud-platform"],
    delegates: [],
  });
  return tokenOrUsageError(fn, account, () => impersonated.fetchIdToken(audience, { includeEmail: true }), {
    fix: `Grant yourself roles/iam.serviceAccountOpenIdTokenCreator on ${account}, and enable iamcredentials.googleapis.com`,
  });
}

async function tokenOrUsageError(
  fn: string,
  who: string,
  fetch: () => Promise<string>,
  options: { fix?: string } = {},
): Promise<string> {
  try {
    return await fetch();
  } catch (error) {
    throw new UsageError(
      `invoke ${fn}: could not get an ID token as ${who} (${firstLine(error)}). ${options.fix ?? `Check your credentials with ${LOGIN}`}`,
      { cause: error },
    );
  }
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0].replace(/\.$/, "");
}
