import type { RequestRecord } from '../telemetry/record.js';
import type { RenderedAnswer } from './snapshot.js';
import type { SnapshotStore } from './snapshot-store.js';
import type { SnapshotReadMark } from './sources.js';

/**
 * Answers rendered from a session's snapshot, served again while the snapshot has not changed.
 *
 * A triage screen polls the same query; once the session's snapshot holds the events, most polls
 * find nothing new upstream, and the answer would be the same bytes. So: the request still makes
 * its one upstream GET with the caller's token, started after it arrived (the freshness rule, and
 * the PVWA authorises every read), and when the snapshot's version is the one an earlier answer to
 * the very same request (body or query string, and Accept header) of the very same session was
 * rendered from, that answer is sent again, without executing, serialising or compressing anything
 * (its compressed bodies are kept with it). Kept in the session's snapshot
 * (keyed by the token's hash, counted in the snapshot budget, dropped with the session), so it
 * never reaches another session. Only queries without errors, that read exactly the whole-list
 * snapshot and set no cookie, are kept: an answer that also needed another PVWA call (risk events,
 * which no snapshot holds) would serve that part stale.
 */
export interface RenderedRequest {
  /**
   * The kept answer, when there is one and it is still exact after the request's own read
   * (`read`: one GET through the snapshot); undefined otherwise (the read then serves Apollo too).
   */
  find(read: () => Promise<unknown>): Promise<RenderedAnswer | undefined>;
  /** Keeps an answer Apollo rendered, when it may be served again; the kept answer, or undefined. */
  keep(status: number, headers: Iterable<[string, string]>, body: Buffer, setsCookie: boolean): RenderedAnswer | undefined;
  /** What is made of a kept answer (its hash, its compressed bodies), made once and kept with it. */
  forms(answer: RenderedAnswer): AnswerForms;
}

/**
 * What the route makes of an answer's bytes to send them: the hash of its ETag, and its body
 * compressed. A rendered answer keeps them (they are made once per snapshot version); any other
 * answer makes them for its one request (`ONE_TIME_FORMS`).
 */
export interface AnswerForms {
  hash(make: () => string): string;
  encoded(encoding: string, make: () => Buffer | Promise<Buffer>): Buffer | Promise<Buffer>;
}

export const ONE_TIME_FORMS: AnswerForms = { hash: (make) => make(), encoded: (_encoding, make) => make() };

/**
 * The rendered-answer cache for one request: `session` is its session key, `request` what makes
 * two requests the same, `reads` the snapshot reads the request makes (its event source fills it).
 */
export function renderedAnswers(store: SnapshotStore, session: string, request: string, reads: readonly SnapshotReadMark[], record: RequestRecord): RenderedRequest {
  return {
    async find(read) {
      const kept = store.rendered(session, undefined, request);
      if (!kept) return undefined;
      // On failure Apollo answers with the loader's error.
      const fresh = await read().then(
        () => reads.at(-1),
        () => undefined,
      );
      if (fresh?.version !== kept.version) return undefined;
      record.servedRendered(kept.operationName, kept.operationType);
      return kept;
    },
    keep(status, headers, body, setsCookie) {
      if (status !== 200 || setsCookie || record.outcome !== 'OK' || record.operationType !== 'query' || record.calledBeyondEvents) return undefined;
      if (reads.length !== 1 || reads[0].accountId !== undefined) return undefined;
      const answer: RenderedAnswer = {
        version: reads[0].version,
        body,
        headers: [...headers],
        operationName: record.operationName,
        operationType: record.operationType,
        encoded: new Map(),
      };
      store.remember(session, undefined, request, answer);
      return store.rendered(session, undefined, request) === answer ? answer : undefined;
    },
    forms(answer) {
      return {
        hash: (make) => (answer.hash ??= make()),
        encoded(encoding, make) {
          const kept = answer.encoded.get(encoding);
          if (kept) return kept;
          const keep = (bytes: Buffer) => {
            store.rememberEncoded(session, undefined, request, answer, encoding, bytes);
            return bytes;
          };
          const made = make();
          return Buffer.isBuffer(made) ? keep(made) : made.then(keep);
        },
      };
    },
  };
}
