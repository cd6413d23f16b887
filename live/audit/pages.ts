import { MalformedAnswerError } from "../errors";

/** Pages past this many are a server that never stops answering `nextPageToken`: an error, not a hang. */
const MAX_PAGES = 10_000;

/**
 * Every page of a Google list or search method: asks again with `pageToken` = the last `nextPageToken` until an
 * answer has none (an empty string counts as none). https://google.aip.dev/158
 * A token that comes back a second time would loop forever (or re-read pages as new): the answer is malformed, as
 * is one that never ends.
 * @param api The API's host, for the error.
 */
export async function readAllPages<P extends { nextPageToken?: string | null }>(
  api: string,
  readPage: (pageToken: string | undefined) => Promise<P>,
): Promise<P[]> {
  const pages: P[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  do {
    if (pages.length >= MAX_PAGES)
      throw new MalformedAnswerError(api, `more than ${MAX_PAGES} pages: it keeps answering a nextPageToken`);
    const page = await readPage(token);
    pages.push(page);
    token = page.nextPageToken || undefined;
    if (token !== undefined) {
      if (seen.has(token))
        throw new MalformedAnswerError(
          api,
          `page token ${JSON.stringify(token)} repeats: the listing would never end`,
        );
      seen.add(token);
    }
  } while (token !== undefined);
  return pages;
}
