import { getHeapStatistics } from 'node:v8';
import type { Logger } from 'pino';
import { ACCOUNT_CACHE_MAX_BYTES } from './accounts/cache.js';
import type { Config } from './config.js';

/**
 * The most memory a configuration lets the gateway use: each bound on what it holds (lists, other
 * PVWA answers, snapshots) times what one byte of it costs once read, plus the process itself.
 * The factors were measured with `npx tsx bench/memory.ts` (see the Memory section of docs/OPERATIONS.md);
 * deploy/kubernetes.yaml's limit and --max-old-space-size are set from this, and a test keeps
 * them in agreement with the defaults.
 */

const MiB = 1024 * 1024;

/** The process before any request: code, Apollo, the schema, pools (RSS 95 to 101 MB measured), with room. */
export const BASELINE_MIB = 110;
/** Of which in the V8 heap. */
export const BASELINE_HEAP_MIB = 40;
/**
 * Memory held per byte of a list while it is read and mapped: got's chunks and the joined body,
 * its text, the parsed events (1.4 bytes per byte), the page. Measured over 4 lists of 15.8 MB:
 * 3.5 with --max-old-space-size=768, up to 5.3 without a heap limit (garbage collected later);
 * with npm start's flags then (--max-old-space-size=896 --max-semi-space-size=8) 1.9.
 */
export const LIST_FACTOR = 5;
/** Of which in the V8 heap: the text and the parsed events. */
export const LIST_HEAP_FACTOR = 2.5;
/**
 * Memory held per byte of another answer (the event a PATCH returns): body, text, parsed, and the
 * GraphQL answer that echoes it (`raw`). Measured over 64 answers of 1 MiB at once: 2.1 with
 * --max-old-space-size=768, up to 4.1 without a heap limit; with npm start's flags now 1.6, and
 * 4.5 without any.
 */
export const EVENT_FACTOR = 3.5;
/** Of which in the V8 heap. */
export const EVENT_HEAP_FACTOR = 3;
/**
 * Heap held per JSON byte counted by the snapshots' budget (PVWA_SNAPSHOT_MAX_MB counts JSON
 * received): the parsed events. Measured on 2,000 demo events (2.48 MB of JSON, 3.36 MB parsed):
 * 1.36, taken as 1.4.
 */
export const SNAPSHOT_FACTOR = 1.4;
/**
 * Memory per byte of the answers being built or written at once (MAX_ANSWER_BYTES_IN_FLIGHT): the
 * answer's text, the bytes written from it while the client reads, the result objects. Measured
 * with test/e2e/answer-memory.test.ts (64 MiB of 4 MB answers held, their clients not reading):
 * about 2.4 beside the process and its snapshots, taken as 2.5.
 */
export const ANSWER_FACTOR = 2.5;
/** Of which in the V8 heap: the text and the result objects (the bytes written are outside it). */
export const ANSWER_HEAP_FACTOR = 1.5;

export interface MemoryBudget {
  baselineMiB: number;
  /** The account cache: ACCOUNT_CACHE_MAX_BYTES of JSON, parsed (none when ACCOUNT_CACHE_TTL_MS=0). */
  accountCacheMiB: number;
  /** PVWA_MAX_CONCURRENT_LISTS lists of PVWA_MAX_BODY_BYTES at once. */
  listsMiB: number;
  /** Every other socket of the pool receiving an answer of PVWA_MAX_EVENT_BYTES at once. */
  otherAnswersMiB: number;
  snapshotsMiB: number;
  /** MAX_ANSWER_BYTES_IN_FLIGHT of answers being built or written at once. */
  answersMiB: number;
  /** The worst RSS: all of the above at once. */
  totalMiB: number;
  /** The part of the total in the V8 heap (what --max-old-space-size must hold). */
  heapMiB: number;
}

type MemoryConfig = Pick<Config, 'PVWA_MAX_BODY_BYTES' | 'PVWA_MAX_CONCURRENT_LISTS' | 'PVWA_MAX_EVENT_BYTES' | 'PVWA_MAX_SOCKETS' | 'PVWA_SNAPSHOT_MAX_MB' | 'MAX_ANSWER_BYTES_IN_FLIGHT' | 'ACCOUNT_CACHE_TTL_MS'>;

export function memoryBudget(config: MemoryConfig): MemoryBudget {
  const snapshotsMiB = Math.ceil(config.PVWA_SNAPSHOT_MAX_MB * SNAPSHOT_FACTOR);
  // Parsed accounts cost what parsed events do per JSON byte (their keys are in the rounding).
  const accountCacheMiB = config.ACCOUNT_CACHE_TTL_MS > 0 ? Math.ceil((ACCOUNT_CACHE_MAX_BYTES * SNAPSHOT_FACTOR) / MiB) : 0;
  const lists = Math.min(config.PVWA_MAX_CONCURRENT_LISTS, config.PVWA_MAX_SOCKETS);
  const listBytes = lists * config.PVWA_MAX_BODY_BYTES;
  // Lists and other answers share the pool's sockets.
  const otherBytes = (config.PVWA_MAX_SOCKETS - lists) * config.PVWA_MAX_EVENT_BYTES;
  const listsMiB = Math.ceil((listBytes * LIST_FACTOR) / MiB);
  const otherAnswersMiB = Math.ceil((otherBytes * EVENT_FACTOR) / MiB);
  const answersMiB = Math.ceil((config.MAX_ANSWER_BYTES_IN_FLIGHT * ANSWER_FACTOR) / MiB);
  return {
    baselineMiB: BASELINE_MIB,
    listsMiB,
    otherAnswersMiB,
    snapshotsMiB,
    answersMiB,
    accountCacheMiB,
    totalMiB: BASELINE_MIB + listsMiB + otherAnswersMiB + snapshotsMiB + answersMiB + accountCacheMiB,
    heapMiB: BASELINE_HEAP_MIB + Math.ceil((listBytes * LIST_HEAP_FACTOR + otherBytes * EVENT_HEAP_FACTOR + config.MAX_ANSWER_BYTES_IN_FLIGHT * ANSWER_HEAP_FACTOR) / MiB) + snapshotsMiB + accountCacheMiB,
  };
}

/**
 * Logs the configuration's budget at start-up, and warns when the V8 heap limit is below what the
 * configuration may hold in the heap (the process would crash under the worst load).
 */
export function reportMemoryBudget(config: MemoryConfig, logger: Logger): void {
  const budget = memoryBudget(config);
  const heapLimitMiB = Math.floor(getHeapStatistics().heap_size_limit / MiB);
  logger.info({ ...budget, heapLimitMiB }, 'memory budget (worst case of this configuration)');
  if (heapLimitMiB < budget.heapMiB) {
    logger.warn({ heapLimitMiB, heapMiB: budget.heapMiB }, 'the V8 heap limit is below what this configuration may hold: raise --max-old-space-size, or lower PVWA_MAX_BODY_BYTES / PVWA_MAX_CONCURRENT_LISTS');
  }
}
