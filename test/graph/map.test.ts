import { describe, expect, it } from '@jest/globals';
import { toBoolean, toCloseReason, toDate, toInt, toMitigationAction } from '../../src/graph/map.js';
import { pvwaStatus } from '../../src/pvwa/validate.js';
import { eventProblem, pvwaTimeToMs } from '../../src/pvwa/validate.js';

describe('map: pure conversions', () => {
  it('reads a time below 100,000,000,000 as seconds and from there on as milliseconds', () => {
    expect(pvwaTimeToMs(99_999_999_999)).toBe(99_999_999_999_000);
    expect(pvwaTimeToMs(100_000_000_000)).toBe(100_000_000_000);
    expect(pvwaTimeToMs(1595165020.5)).toBe(1595165020500);
    expect(pvwaTimeToMs('1595165020000')).toBe(1595165020000);
    expect(pvwaTimeToMs('soon')).toBeNull();
    expect(pvwaTimeToMs(null)).toBeNull();
    expect(pvwaTimeToMs(Infinity)).toBeNull();
    expect(toDate(0)?.toISOString()).toBe('1970-01-01T00:00:00.000Z');
  });

  it('normalises status, closeReason and mitigationAction case and rejects other values', () => {
    expect(pvwaStatus('Open')).toBe('OPEN');
    expect(pvwaStatus('pending')).toBeNull();
    expect(toCloseReason('NotReal')).toBe('NOT_REAL');
    expect(toCloseReason('NOT_REAL')).toBe('NOT_REAL');
    expect(toCloseReason('handled')).toBe('HANDLED');
    expect(toCloseReason(3)).toBeNull();
    expect(toMitigationAction('suspend')).toBe('SUSPEND');
    expect(toMitigationAction('kill')).toBeNull();
  });

  it('reads booleans and 32-bit integers strictly', () => {
    expect(toBoolean('True')).toBe(true);
    expect(toBoolean('0')).toBeNull();
    expect(toInt('12')).toBe(12);
    expect(toInt(2 ** 31)).toBeNull();
    expect(toInt(1.5)).toBeNull();
  });
});

describe('validate: what keeps an event out of the graph', () => {
  const good = { id: 'e1', type: 'T', score: 1, createTime: 1, lastUpdateTime: 2, mStatus: 'OPEN' };
  it('accepts an event with its required fields and nothing else', () => {
    expect(eventProblem(good)).toBeNull();
  });
  it.each([
    [{ ...good, id: undefined }, 'id is missing'],
    [{ ...good, id: '' }, 'id is missing'],
    [{ ...good, type: 5 }, 'type is missing'],
    [{ ...good, score: '7' }, 'score is not a number'],
    [{ ...good, mStatus: 'PENDING' }, 'its status is neither OPEN nor CLOSED'],
    [{ ...good, createTime: 'yesterday' }, 'createTime is not a time'],
    [{ ...good, lastUpdateTime: undefined }, 'lastUpdateTime is not a time'],
    [{ ...good, audits: {} }, 'audits is not a list'],
    [{ ...good, audits: [{ type: 'X', createTime: 1 }] }, 'audits[0].id is missing'],
    [{ ...good, audits: [{ id: 'a', type: 'X', createTime: 1 }, 'x'] }, 'audits[1] is not an object'],
    [[good], 'not an object'],
  ])('refuses %j: %s', (event, problem) => {
    expect(eventProblem(event)).toBe(problem);
  });
});
