import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { startHarness, type Harness } from '../support/harness.js';

const TLS_DIR = new URL('../fixtures/tls/', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, TLS_DIR), 'utf8');
const LIST = '{ securityEvents(first: 1) { totalCount } }';

/** A gateway on `pvwaUrl`, its /readyz answer, what a list call gets, and its warnings; then stopped. */
async function probe(pvwaUrl: string, env: Record<string, string> = {}) {
  const h: Harness = await startHarness({ env: { PVWA_URL: pvwaUrl, ...env } });
  try {
    const readyz = await fetch(h.gateway.url.replace('/graphql', '/readyz'));
    const { body } = await h.gql(LIST);
    const warnings = h.logs.filter((line) => line.level === 'warn' && line.reason !== undefined);
    return { status: readyz.status, readyz: await readyz.json(), call: body.errors?.[0]?.extensions?.code ?? 'OK', warnings };
  } finally {
    await h.close();
  }
}

describe('/readyz checks the PVWA certificate as the client does', () => {
  let selfSigned: Simulator;
  let caSigned: Simulator;
  beforeAll(async () => {
    selfSigned = await startSimulator({ eventCount: 3, tls: { key: read('self-signed.key'), cert: read('self-signed.pem') } });
    caSigned = await startSimulator({ eventCount: 3, tls: { key: read('server.key'), cert: read('server.pem') } });
  });
  afterAll(async () => {
    await selfSigned.close();
    await caSigned.close();
  });

  it('a self-signed PVWA: unready with the reason in the body and a log line; calls fail the same way', async () => {
    const result = await probe(selfSigned.url);
    expect(result.status).toBe(503);
    expect(result.readyz).toEqual({ status: 'unready', reason: 'PVWA TLS certificate refused (DEPTH_ZERO_SELF_SIGNED_CERT)' });
    expect(result.call).toBe('UPSTREAM_ERROR');
    expect(result.warnings).toEqual([
      expect.objectContaining({ msg: 'PVWA TLS certificate refused (DEPTH_ZERO_SELF_SIGNED_CERT): /readyz answers 503', pvwa: `127.0.0.1:${new URL(selfSigned.url).port}` }),
    ]);
    // The check is a TLS handshake only: no HTTP request, no token.
    expect(selfSigned.requests).toHaveLength(0);
  });

  it('a PVWA whose CA is not trusted: unready; trusted with PVWA_CA_FILE: ready, and calls work', async () => {
    const untrusted = await probe(caSigned.url);
    expect(untrusted.readyz).toEqual({ status: 'unready', reason: 'PVWA TLS certificate refused (UNABLE_TO_VERIFY_LEAF_SIGNATURE)' });
    expect(untrusted.call).toBe('UPSTREAM_ERROR');
    const trusted = await probe(caSigned.url, { PVWA_CA_FILE: fileURLToPath(new URL('ca.pem', TLS_DIR)) });
    expect(trusted).toMatchObject({ status: 200, readyz: { status: 'ready' }, call: 'OK', warnings: [] });
  });

  it('a certificate for another name than PVWA_URL\'s host: unready, as the client refuses it', async () => {
    // The certificate is for localhost and 127.0.0.1; 127.0.0.2 is this machine under another address.
    const other = await startSimulator({ eventCount: 1, host: '127.0.0.2', tls: { key: read('server.key'), cert: read('server.pem') } });
    try {
      const result = await probe(other.url.replace('127.0.0.1', '127.0.0.2'), { PVWA_CA_FILE: fileURLToPath(new URL('ca.pem', TLS_DIR)) });
      expect(result.readyz).toEqual({ status: 'unready', reason: 'PVWA TLS certificate refused (ERR_TLS_CERT_ALTNAME_INVALID)' });
      expect(result.call).toBe('UPSTREAM_ERROR');
    } finally {
      await other.close();
    }
  });

  it('PVWA_TLS_INSECURE=true: ready against the self-signed PVWA, as the client accepts it', async () => {
    const result = await probe(selfSigned.url, { PVWA_TLS_INSECURE: 'true' });
    expect(result).toMatchObject({ status: 200, readyz: { status: 'ready' }, call: 'OK' });
  });

  it('an https PVWA_URL on a plain HTTP server: unready, the handshake failed', async () => {
    const plain = await startSimulator({ eventCount: 1 });
    try {
      const result = await probe(plain.url.replace('http:', 'https:'));
      expect(result.readyz).toEqual({ status: 'unready', reason: 'PVWA TLS handshake failed (ERR_SSL_WRONG_VERSION_NUMBER)' });
    } finally {
      await plain.close();
    }
  });
});
