/**
 * What PageInfo is resolved from, whichever list it is a page of: security events (keyset cursors,
 * page.ts) or risk events (positions in the PVWA's pages, risk-page.ts). Each connection computes
 * it from its own page, with its own cursors.
 */
export interface PageInfoSource {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}
