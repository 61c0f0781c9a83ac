import { describe, expect, it } from '@jest/globals';
import { AnswerBudget } from '../../src/graph/answer-budget.js';

/** The answer budget on its own: room held by bytes, for all and per session; waits; GATEWAY_BUSY. */
describe('AnswerBudget', () => {
  const budget = (maxWaitMs = 1_000) => new AnswerBudget({ totalBytes: 100, perSessionBytes: 60, maxWaitMs });

  it('holds what fits at once, and gives it back on release (once)', async () => {
    const b = budget();
    const one = await b.reserve('s', 40);
    const two = await b.reserve('t', 50);
    expect(b.stats).toEqual({ bytes: 90, sessions: 2, waiting: 0 });
    one.release();
    one.release();
    expect(b.stats).toEqual({ bytes: 50, sessions: 1, waiting: 0 });
    two.release();
    expect(b.stats).toEqual({ bytes: 0, sessions: 0, waiting: 0 });
  });

  it('makes a session wait for its own room while another session goes ahead', async () => {
    const b = budget();
    const first = await b.reserve('s', 50);
    let second = false;
    const waiting = b.reserve('s', 20).then((held) => ((second = true), held));
    const other = await b.reserve('t', 40);
    expect(second).toBe(false);
    expect(b.stats).toEqual({ bytes: 90, sessions: 2, waiting: 1 });
    first.release();
    const held = await waiting;
    expect(second).toBe(true);
    expect(b.stats).toEqual({ bytes: 60, sessions: 2, waiting: 0 });
    held.release();
    other.release();
  });

  it('refuses with GATEWAY_BUSY (503, Retry-After 1) once the wait is over, naming whose room was short', async () => {
    const b = budget(20);
    const held = await b.reserve('s', 60);
    await expect(b.reserve('s', 10)).rejects.toMatchObject({
      message: 'Too many large answers are being built for this session at once; try again in 1 s.',
      extensions: { code: 'GATEWAY_BUSY', retryAfterSeconds: 1, http: { status: 503 } },
    });
    const all = await b.reserve('t', 40);
    await expect(b.reserve(null, 10)).rejects.toMatchObject({ message: 'Too many large answers are being built on this gateway at once; try again in 1 s.' });
    expect(b.stats.waiting).toBe(0);
    held.release();
    all.release();
  });

  it('holds an answer larger than its estimate at its real size, so later ones wait for it', async () => {
    const b = budget();
    const held = await b.reserve('s', 10);
    held.resize(90);
    expect(b.stats.bytes).toBe(90);
    let granted = false;
    const later = b.reserve('t', 20).then((reservation) => ((granted = true), reservation));
    await new Promise((resolve) => setImmediate(resolve));
    expect(granted).toBe(false);
    held.release();
    (await later).release();
    expect(b.stats).toEqual({ bytes: 0, sessions: 0, waiting: 0 });
  });

  it('lets one estimate larger than a bound run alone, at the bound', async () => {
    const b = budget();
    const huge = await b.reserve('s', 1_000);
    expect(b.stats.bytes).toBe(60);
    huge.release();
  });
});
