import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { metric, startHarness, type Harness } from '../support/harness.js';

/** A client that goes away is the client's outcome: logged at info and counted, never a gateway error. */
describe('clients that go away', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { LOG_LEVEL: 'info' } });
  });
  afterAll(() => h.close());

  const lines = () => h.logs.filter((line) => line.msg === 'graphql request' && line.outcome === 'CLIENT_ABORTED');

  /** Sends headers announcing a 1,000-byte body and part of it, then resets the connection. */
  function abortMidBody(port: number): Promise<void> {
    return new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write('POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"query": "{ securityEvents');
        setImmediate(() => socket.resetAndDestroy());
      });
      socket.once('close', () => resolve());
    });
  }

  it('100 aborts mid-body: 100 info lines CLIENT_ABORTED (status 499), counted, and no error line', async () => {
    const port = Number(new URL(h.gateway.url).port);
    await Promise.all(Array.from({ length: 100 }, () => abortMidBody(port)));
    await h.logged((line) => line.msg === 'graphql request' && line.outcome === 'CLIENT_ABORTED', 100);
    expect(lines()).toHaveLength(100);
    expect(lines()[0]).toMatchObject({ level: 'info', status: 499, upstreamCalls: 0 });
    expect(h.logs.filter((line) => ['error', 'fatal'].includes(line.level))).toEqual([]);
    expect(await metric(h, 'pta_gateway_graphql_requests_total{operation="anonymous",type="none",outcome="CLIENT_ABORTED"}')).toBe(100);
  });
});
