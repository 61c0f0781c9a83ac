// Where codegen writes this example's manifest of trusted documents: `{ "<sha256 hex>": "<document>" }`,
// every operation of ./documents.ts as the client sends it. A gateway started with
// TRUSTED_DOCUMENTS=<this path> knows each of them by its hash.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const PERSISTED_DOCUMENTS_PATH = fileURLToPath(new URL('./gql/persisted-documents.json', import.meta.url));

/** The manifest (run `npm run codegen:example` first). */
export function readPersistedDocuments(): Record<string, string> {
  return JSON.parse(readFileSync(PERSISTED_DOCUMENTS_PATH, 'utf8')) as Record<string, string>;
}
