import { createHash } from 'node:crypto';
import { GraphQLError, parse, specifiedRules, validate, type GraphQLSchema } from 'graphql';

/**
 * Trusted documents: the operations the gateway's own clients were built with, known by the
 * SHA-256 of their text (graphql-codegen's client preset emits the manifest as
 * persisted-documents.json; Apollo's persisted query manifest works too). A request may name one
 * by id instead of sending its text; in `enforce` mode nothing else runs, over HTTP and WebSocket
 * alike, before any PVWA call. The manifest is read and checked once, at start-up.
 */

export type TrustedDocumentsMode = 'allow' | 'enforce';

/** The manifest does not hold: the gateway does not start, and says why. */
export class TrustedDocumentsError extends Error {
  override readonly name = 'TrustedDocumentsError';
}

/** What a request named: its document's text, and the trusted document's id when it is one. */
export interface ResolvedDocument {
  /** The text to run; undefined when the request named nothing (Apollo answers that itself). */
  query: string | undefined;
  /** The id (SHA-256 hex) of the trusted document it runs, or null. */
  documentId: string | null;
}

/** What a request may carry to name its document (a POST body, a GET query, a graphql-ws payload). */
export interface DocumentRequest {
  query?: unknown;
  documentId?: unknown;
  extensions?: unknown;
}

const HEX = /^[0-9a-f]{64}$/;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function refusal(code: 'PERSISTED_DOCUMENT_NOT_FOUND' | 'PERSISTED_DOCUMENT_REQUIRED', message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code, http: { status: 400 } } });
}

/** The documents of a manifest in either format, by id, as the file gives them. */
function documentsOf(manifest: unknown): Array<[id: string, text: unknown]> {
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) throw new TrustedDocumentsError('it is not a JSON object');
  const record = manifest as Record<string, unknown>;
  if (record.format === 'apollo-persisted-query-manifest') {
    if (record.version !== 1) throw new TrustedDocumentsError(`Apollo's manifest version ${JSON.stringify(record.version)} is not 1`);
    if (!Array.isArray(record.operations)) throw new TrustedDocumentsError('Apollo\'s manifest has no "operations" list');
    return record.operations.map((operation: unknown, i) => {
      const { id, body } = (operation ?? {}) as { id?: unknown; body?: unknown };
      if (typeof id !== 'string') throw new TrustedDocumentsError(`operations[${i}] has no "id"`);
      return [id, body];
    });
  }
  return Object.entries(record);
}

export class TrustedDocuments {
  /** Document text by id. */
  private readonly texts = new Map<string, string>();
  /** The same documents by their exact text: a request sent as text is found without hashing it. */
  private readonly ids = new Map<string, string>();

  private constructor(readonly mode: TrustedDocumentsMode) {}

  /**
   * The manifest at `file` (its content read at start-up), checked: every id is the SHA-256 of its
   * document, and every document parses and validates against the schema. A TrustedDocumentsError
   * naming the variable, the file and the first problem otherwise.
   */
  static load(file: { path: string; content: string }, schema: GraphQLSchema, mode: TrustedDocumentsMode): TrustedDocuments {
    const fail = (problem: string) => new TrustedDocumentsError(`Invalid trusted documents: TRUSTED_DOCUMENTS (${file.path}): ${problem}.`);
    let manifest: unknown;
    try {
      manifest = JSON.parse(file.content);
    } catch {
      throw fail('it is not JSON');
    }
    const trusted = new TrustedDocuments(mode);
    try {
      for (const [id, text] of documentsOf(manifest)) {
        if (typeof text !== 'string') throw new TrustedDocumentsError(`the document of ${id} is not a string`);
        if (!HEX.test(id)) throw new TrustedDocumentsError(`the id ${JSON.stringify(id.slice(0, 80))} is not a SHA-256 in lower-case hex`);
        if (sha256(text) !== id) throw new TrustedDocumentsError(`the id ${id} is not the SHA-256 of its document (that is ${sha256(text)})`);
        let errors: readonly GraphQLError[];
        try {
          errors = validate(schema, parse(text), specifiedRules);
        } catch (error) {
          throw new TrustedDocumentsError(`the document ${id} does not parse: ${(error as Error).message}`);
        }
        if (errors.length > 0) throw new TrustedDocumentsError(`the document ${id} does not validate against the schema: ${errors[0].message}`);
        trusted.texts.set(id, text);
        trusted.ids.set(text, id);
      }
    } catch (error) {
      if (error instanceof TrustedDocumentsError) throw fail(error.message);
      throw error;
    }
    if (trusted.texts.size === 0) throw fail('it holds no document');
    return trusted;
  }

  /** How many documents the manifest holds. */
  get size(): number {
    return this.texts.size;
  }

  /**
   * The document a request runs. By id: `documentId` ("sha256:<hex>" or the bare hex), or Apollo's
   * `extensions.persistedQuery.sha256Hash`; an id the manifest lacks is PERSISTED_DOCUMENT_NOT_FOUND
   * (in `allow` mode an unknown Apollo hash is left to Apollo's own persisted queries). By text:
   * in `enforce` mode only the exact text of a trusted document runs (PERSISTED_DOCUMENT_REQUIRED
   * otherwise), which also keeps Apollo's automatic persisted queries from registering any.
   */
  resolve(request: DocumentRequest): ResolvedDocument | GraphQLError {
    const persisted = (request.extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery?.sha256Hash;
    const named = request.documentId ?? persisted;
    const query = typeof request.query === 'string' && request.query !== '' ? request.query : undefined;
    if (named !== undefined && named !== null) {
      const id = typeof named === 'string' ? named.replace(/^sha256:/, '').toLowerCase() : '';
      const text = this.texts.get(id);
      if (text !== undefined) return { query: text, documentId: id };
      if (this.mode === 'allow' && request.documentId === undefined) return { query, documentId: null };
      return refusal('PERSISTED_DOCUMENT_NOT_FOUND', `No trusted document has the id ${JSON.stringify(String(named).slice(0, 80))}: send the id of a document of the gateway's manifest (TRUSTED_DOCUMENTS).`);
    }
    if (query === undefined) return { query, documentId: null };
    // load() proved every id the SHA-256 of its text: the text's id is found by the text itself.
    const id = this.ids.get(query);
    if (id !== undefined) return { query, documentId: id };
    if (this.mode === 'enforce') {
      return refusal('PERSISTED_DOCUMENT_REQUIRED', 'This gateway runs only its trusted documents: send the `documentId` of a document of its manifest (TRUSTED_DOCUMENTS), or its exact text.');
    }
    return { query, documentId: null };
  }
}
