/** Pages past this many are a server that never stops answering `nextPageToken`: an error, not a hang. */
const MAX_PAGES = 10_000;

/**
 * Every page of a Google list or search method: asks again with `pageToken` = the last `nextPageToken` until an
 * answer has none (an empty string counts as none). https://google.aip.dev/158
 */
export async function readAllPages<P extends { nextPageToken?: string | null }>(
  readPage: (pageToken: string | undefined) => Promise<P>,
): Promise<P[]> {
  const pages: P[] = [];
  let token: string | undefined;
  do {
    if (pages.length >= MAX_PAGES)
      throw new Error(`more than ${MAX_PAGES} pages: the server keeps answering a nextPageToken`);
    const page = await readPage(token);
    pages.push(page);
    token = page.nextPageToken || undefined;
  } while (token !== undefined);
  return pages;
}
