import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { serverAudits } from 'graphql-http';
import { startHarness, type Harness } from '../support/harness.js';

// The SHOULDs and MAYs knowingly not met; docs/OPERATIONS.md says why.
const KNOWN_UNMET = [
  // Apollo Server answers 400 to a document that cannot run, whatever the Accept header.
  'warn: SHOULD use 200 status code on document parsing failure when accepting application/json',
  'warn: SHOULD use 200 status code on document validation failure when accepting application/json',
  'warn: SHOULD use a status code of 200 on variable coercion failure when accepting application/json',
  // CSRF prevention: a GET must carry a non-simple Content-Type or an Apollo preflight header.
  'notice: MAY accept application/x-www-form-urlencoded formatted GET requests',
  'notice: MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/graphql-response+json',
  'notice: MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/json',
];

describe('GraphQL over HTTP (graphql-http server audits)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('passes every MUST, and misses only the documented SHOULDs and MAYs', async () => {
    const audits = serverAudits({ url: () => h.gateway.url, fetchFn: fetch });
    expect(audits.length).toBeGreaterThan(40);
    const unmet: string[] = [];
    for (const audit of audits) {
      const result = await audit.fn();
      if (result.status !== 'ok') unmet.push(`${result.status}: ${audit.name}`);
    }
    expect(unmet.filter((line) => line.startsWith('error'))).toEqual([]);
    expect(unmet.sort()).toEqual([...KNOWN_UNMET].sort());
    // Nothing was sent upstream: the audits carry no token.
    expect(h.sim.requests).toHaveLength(0);
  });
});
