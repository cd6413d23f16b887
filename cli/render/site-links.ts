import type { SiteFormat } from "./edge-evidence-text";
import { markdownText } from "./markdown-text";

/** Where the repository lives, from the GitHub Actions environment and the revision the sites were read at. */
export interface SiteLinkContext {
  readonly env: NodeJS.ProcessEnv;
  /** The commit the call sites come from; none for the working tree, whose lines no URL can show. */
  readonly commit: string | undefined;
  /** The program's folder relative to the repository root (`""` at the root): sites are relative to it. */
  readonly programPath: string;
}

/**
 * A site as a Markdown link to its line on GitHub (`[file:line](…/blob/<commit>/<file>#L<line>)`), or undefined
 * when any part is unknown. GITHUB_SERVER_URL and GITHUB_REPOSITORY are default variables of every Actions run
 * (https://docs.github.com/en/actions/reference/variables-reference#default-environment-variables); a blob URL
 * pinned to a commit with `#L<line>` is GitHub's permanent link to a line
 * (https://docs.github.com/en/repositories/working-with-files/using-files/getting-permanent-links-to-files).
 */
export function siteLinks(context: SiteLinkContext): SiteFormat | undefined {
  const server = context.env.GITHUB_SERVER_URL;
  const repository = context.env.GITHUB_REPOSITORY;
  if (!server || !repository || !context.commit) return undefined;
  const base = `${server.replace(/\/+$/, "")}/${repository}/blob/${context.commit}`;
  return (site) => {
    const file = [context.programPath, site.file].filter(Boolean).join("/");
    const url = `${base}/${file.split("/").map(pathSegment).join("/")}#L${Math.trunc(site.line)}`;
    // The text is the program's file name (a pull request's to choose): escaped like every value. The destination is
    // percent-encoded through and through, so no `)`, `<` or space in it ends the link early.
    return `[${markdownText(`${site.file}:${site.line}`)}](${url.replace(/[()<>\s]/g, percent)})`;
  };
}

/** A path segment of a URL: `encodeURIComponent`, and the characters it leaves that Markdown or a link could read. */
function pathSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/[()'!*]/g, percent);
}

function percent(c: string): string {
  return `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`;
}
