import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/**
 * Writes Application Default Credentials of type `external_account` (workload identity federation) whose
 * `token_url` is the fake STS endpoint and whose subject token is a local file: `GoogleAuth` then takes its
 * real ADC path (GOOGLE_APPLICATION_CREDENTIALS -> ExternalAccountClient -> STS exchange) without leaving
 * loopback. https://google.aip.dev/auth/4117 (external account credentials)
 */
export function writeExternalAccountAdc(root: string): { file: string; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "callgraph-adc-"));
  const subjectToken = path.join(dir, "subject-token.jwt");
  fs.writeFileSync(subjectToken, "header.payload.signature");
  const file = path.join(dir, "adc.json");
  fs.writeFileSync(
    file,
    JSON.stringify({
      type: "external_account",
      audience:
        "//iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/ci/providers/loopback",
      subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
      token_url: `${root}/sts/v1/token`,
      credential_source: { file: subjectToken },
    }),
  );
  return { file, dir };
}
