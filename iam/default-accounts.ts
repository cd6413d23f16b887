/**
 * The accounts a function runs as when it names none: gen1 uses `PROJECT_ID@appspot.gserviceaccount.com`,
 * gen2 the Compute Engine default `PROJECT_NUMBER-compute@developer.gserviceaccount.com`; both hold Editor on
 * the project by default. https://cloud.google.com/functions/docs/securing/function-identity
 */
const DEFAULT_ACCOUNT = /(@appspot\.gserviceaccount\.com|-compute@developer\.gserviceaccount\.com)$/i;

export function isDefaultAccount(email: string): boolean {
  return DEFAULT_ACCOUNT.test(email);
}

/**
 * The accounts a function's build runs as when it names none, or that a user might pick instead of a dedicated
 * one: the legacy Cloud Build account `PROJECT_NUMBER@cloudbuild.gserviceaccount.com` (projects whose first build
 * predates the mid-2024 change; broad permissions on the project,
 * https://cloud.google.com/build/docs/cloud-build-service-account), the Compute Engine default
 * `PROJECT_NUMBER-compute@developer.gserviceaccount.com` (the default since that change, which may lack what a
 * function build needs, https://cloud.google.com/build/docs/cloud-build-service-account-updates) and the App Engine
 * default `PROJECT_ID@appspot.gserviceaccount.com` (Editor, like the Compute one on projects that grant it).
 */
const DEFAULT_BUILD_ACCOUNT =
  /(@cloudbuild\.gserviceaccount\.com|@appspot\.gserviceaccount\.com|-compute@developer\.gserviceaccount\.com)$/i;

export function isDefaultBuildAccount(email: string): boolean {
  return DEFAULT_BUILD_ACCOUNT.test(email);
}
