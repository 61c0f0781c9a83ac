import { Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { createApollo, createSchema } from '../src/apollo.js';
import { AnswerBudget } from '../src/graph/answer-budget.js';
import { loadConfig } from '../src/config.js';
import type { GraphContext } from '../src/graph/context.js';
import type { PvwaApi } from '../src/pvwa/client.js';
import { createLogger } from '../src/telemetry/logger.js';
import { Metrics } from '../src/telemetry/metrics.js';
import { Telemetry } from '../src/telemetry/record.js';

/**
 * The one rule for gateway bugs, at the Apollo layer: a resolver's plain failure is answered
 * INTERNAL_SERVER_ERROR with a generic message and logged once with its stack. The PVWA client is
 * replaced by a stand-in here only to produce failures no real PVWA answer can (the client checks
 * every answer), which is what makes them bugs.
 */
async function run(api: Partial<PvwaApi>, query: string) {
  const lines: string[] = [];
  const logger = createLogger({
    level: 'info',
    destination: new Writable({ write: (chunk: Buffer, _e, cb) => (lines.push(chunk.toString()), cb()) }),
  });
  const config = loadConfig({ PVWA_URL: 'http://127.0.0.1:1/PasswordVault', LOG_LEVEL: 'silent' });
  const apollo = createApollo(config, logger, createSchema(config), { budget: new AnswerBudget({ totalBytes: 1e9, perSessionBytes: 1e9, maxWaitMs: 1000 }), eventBytes: () => 0 });
  await apollo.start();
  const record = new Telemetry(logger, new Metrics(10)).begin('bug-test');
  const contextValue = { record, logger, pvwa: () => api as PvwaApi, warnings: [], loaders: undefined as never, logon: undefined as never, sessionKey: () => null, session: () => null, wroteEvent: () => {}, actedOnAccount: () => {}, forgetReads: () => {}, now: Date.now, subscribeToChanges: () => { throw new Error('not used'); } } satisfies GraphContext;
  try {
    const response = await apollo.executeOperation({ query }, { contextValue });
    const result = response.body.kind === 'single' ? response.body.singleResult : null;
    return { result, record, logs: lines.join('').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, any>) };
  } finally {
    await apollo.stop();
  }
}

const CLOSE = 'mutation { updateEventStatus(id: "e1", status: CLOSED) { id status } }';

describe('a bug of the gateway', () => {
  it('a plain Error from a resolver: INTERNAL_SERVER_ERROR to the client, logged once with its stack', async () => {
    const { result, record, logs } = await run({ updateEvent: () => Promise.reject(new Error('boom at line 3')) }, CLOSE);
    expect(result!.errors).toEqual([{ message: 'Internal server error.', locations: [{ line: 1, column: 12 }], path: ['updateEventStatus'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }]);
    expect(record.outcome).toBe('INTERNAL_SERVER_ERROR');
    const bugs = logs.filter((line) => line.msg === 'gateway bug: answered INTERNAL_SERVER_ERROR');
    expect(bugs).toHaveLength(1);
    expect(bugs[0]).toMatchObject({ level: 'error', requestId: 'bug-test', path: ['updateEventStatus'], err: { message: 'boom at line 3' } });
    expect(bugs[0].err.stack).toContain('Error: boom at line 3');
  });

  it('a null for a non-null field: INTERNAL_SERVER_ERROR, logged once', async () => {
    const { result, logs } = await run({ updateEvent: async () => ({ mStatus: 'CLOSED' }) as never }, CLOSE);
    expect(result!.errors![0]).toMatchObject({ message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    const bugs = logs.filter((line) => line.msg === 'gateway bug: answered INTERNAL_SERVER_ERROR');
    expect(bugs).toHaveLength(1);
    expect(bugs[0].err.message).toBe('Cannot return null for non-nullable field SecurityEvent.id.');
  });

  it('an error with a code of ours is not a bug: passed through, not logged', async () => {
    const { result, logs } = await run({}, 'mutation { updateEventStatus(id: "a b", status: CLOSED) { id } }');
    expect(result!.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', argument: 'id' });
    expect(logs.filter((line) => line.level === 'error')).toEqual([]);
  });
});
