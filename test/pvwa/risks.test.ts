import { describe, expect, it } from '@jest/globals';
import { riskEventProblem, riskEventsSearch, riskFilterExpression, riskStatusPatch, riskTypeProblem } from '../../src/pvwa/risks.js';

describe('the risk API as the PVWA gets it', () => {
  it.each([
    [{}, null],
    [{ type: 'RISK_RISKY_SPN' }, 'type eq "RISK_RISKY_SPN"'],
    [{ status: 'OPEN' as const }, 'status eq "OPEN"'],
    [{ detectedFrom: 311_212_800_000 }, 'detectionTime gte "311212800000"'],
    [{ detectedTo: 1_674_345_600_000 }, 'detectionTime lte "1674345600000"'],
    [{ detectedFrom: 311_212_800_000, detectedTo: 1_674_345_600_000 }, 'detectionTime BETWEEN "311212800000" TO "1674345600000"'],
    [{ detectedFrom: 0, detectedTo: 0 }, 'detectionTime BETWEEN "0" TO "0"'],
    [{ status: 'CLOSED' as const, type: 'RISK_UNCONSTRAINED_DELEGATION', detectedTo: 5 }, 'type eq "RISK_UNCONSTRAINED_DELEGATION" AND status eq "CLOSED" AND detectionTime lte "5"'],
  ])('filter %j is %j', (filter, expression) => {
    expect(riskFilterExpression({ sort: 'DETECTION_TIME', ...filter })).toBe(expression);
  });

  it('sends the filter percent-encoded with %20 and %22, then sort, page and size', () => {
    expect(riskEventsSearch({ type: 'RISK_RISKY_SPN', status: 'OPEN', sort: 'SCORE', page: 3, size: 50 }))
      .toBe('?filter=type%20eq%20%22RISK_RISKY_SPN%22%20AND%20status%20eq%20%22OPEN%22&sort=score&page=3&size=50');
    expect(riskEventsSearch({ sort: 'DETECTION_TIME', page: 0, size: 1 })).toBe('?sort=detectionTime&page=0&size=1');
  });

  it('PATCHes `status`, never `mStatus`, with closeReason as the PVWA spells it', () => {
    expect(JSON.stringify(riskStatusPatch({ status: 'CLOSED', closeReason: 'NOT_REAL', reasonText: 'Test SPN' }))).toBe('{"status":"CLOSED","closeReason":"NOTREAL","reasonText":"Test SPN"}');
    expect(JSON.stringify(riskStatusPatch({ status: 'OPEN', closeReason: null, reasonText: null }))).toBe('{"status":"OPEN"}');
  });

  it.each(['RISK_RISKY_SPN', 'risk_lower_1', 'R'.repeat(100)])('accepts the risk type %s', (type) => {
    expect(riskTypeProblem(type)).toBeNull();
  });

  it.each(['', 'R'.repeat(101), 'RISK "X"', 'RISK X', 'RISK\\X', 'RISK-X', 'RISKÉ'])('refuses the risk type %j', (type) => {
    expect(riskTypeProblem(type)).toBe('must be 1 to 100 letters, digits or _ (a risk type such as RISK_RISKY_SPN)');
  });

  it.each([
    [null, 'not an object'],
    [{ type: 'T', status: 'OPEN', detectionTime: 1 }, 'id is missing'],
    [{ id: 7, type: 'T', status: 'OPEN', detectionTime: 1 }, 'id is missing'],
    [{ id: 'a', status: 'OPEN', detectionTime: 1 }, 'type is missing'],
    [{ id: 'a', type: 'T', mStatus: 'OPEN', detectionTime: 1 }, 'its status is neither OPEN nor CLOSED'],
    [{ id: 'a', type: 'T', status: 'OPEN' }, 'detectionTime is not a time'],
    [{ id: 'a', type: 'T', status: 'closed', detectionTime: '1700000000000' }, null],
  ])('checks %j: %j', (value, problem) => {
    expect(riskEventProblem(value)).toBe(problem);
  });
});
