import data from "./profiles.json";

/** A demo profile. */
export interface Profile {
  readonly username: string;
  readonly displayName: string;
  readonly title: string;
  readonly team: string;
  readonly location: string;
}

/** Search answers are capped, so a one-letter query cannot return the whole directory. */
export const MAX_RESULTS = 20;

// Bundled into the function's single file by esbuild: the archive holds index.js only.
const profiles: readonly Profile[] = data;
const byUsername = new Map(profiles.map((p) => [p.username, p]));

export function findProfile(username: string): Profile | undefined {
  return byUsername.get(username.toLowerCase());
}

/** Profiles whose username or display name starts with `query`, case-insensitively, by username. */
export function searchProfiles(query: string): Profile[] {
  const prefix = query.toLowerCase();
  return profiles
    .filter(
      (p) => p.username.toLowerCase().startsWith(prefix) || p.displayName.toLowerCase().startsWith(prefix),
    )
    .sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0))
    .slice(0, MAX_RESULTS);
}
