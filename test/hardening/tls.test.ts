import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { startHarness } from '../support/harness.js';

const TLS_DIR = new URL('../fixtures/tls/', import.meta.url);
const LIST = '{ securityEvents(first: 1) { totalCount } }';

describe('TLS to the PVWA', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({
      eventCount: 12,
      tls: { key: readFileSync(new URL('server.key', TLS_DIR), 'utf8'), cert: readFileSync(new URL('server.pem', TLS_DIR), 'utf8') },
    });
  });
  afterAll(() => sim.close());

  /** A gateway whose PVWA_URL is the HTTPS simulator (its own HTTP simulator stays unused). */
  const gatewayOnTls = (env: Record<string, string> = {}) => startHarness({ env: { PVWA_URL: sim.url, ...env } });

  it('verifies the certificate by default: an unknown CA is UPSTREAM_ERROR', async () => {
    const h = await gatewayOnTls();
    try {
      const { body } = await h.gql(LIST);
      expect(body.errors![0]).toMatchObject({ message: "The PVWA's TLS certificate could not be verified.", extensions: { code: 'UPSTREAM_ERROR' } });
    } finally {
      await h.close();
    }
  });

  it('trusts a CA added with PVWA_CA_FILE, besides the system ones', async () => {
    const h = await gatewayOnTls({ PVWA_CA_FILE: fileURLToPath(new URL('ca.pem', TLS_DIR)) });
    try {
      const { body } = await h.gql(LIST);
      expect(body).toEqual({ data: { securityEvents: { totalCount: 12 } } });
    } finally {
      await h.close();
    }
  });

  it('PVWA_TLS_INSECURE=true skips verification and warns at start-up and on every call', async () => {
    const h = await gatewayOnTls({ PVWA_TLS_INSECURE: 'true' });
    try {
      await h.gql(LIST);
      await h.gql(LIST);
      expect((await h.gql(LIST)).body).toEqual({ data: { securityEvents: { totalCount: 12 } } });
      const warnings = h.logs.filter((line) => line.level === 'warn').map((line) => line.msg);
      expect(warnings).toEqual([
        'PVWA_TLS_INSECURE=true: the PVWA certificate is NOT verified',
        'calling the PVWA without TLS verification',
        'calling the PVWA without TLS verification',
        'calling the PVWA without TLS verification',
      ]);
    } finally {
      await h.close();
    }
  });
});
