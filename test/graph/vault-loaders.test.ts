import { Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import type { Warning } from '../../src/graph/warnings.js';
import { createVaultLoaders, type VaultReads } from '../../src/graph/vault-loaders.js';
import { PvwaError } from '../../src/pvwa/errors.js';
import { createLogger } from '../../src/telemetry/logger.js';

const status = (code: number) => new PvwaError('status', `HTTP ${code}`, { status: code });

/** Loaders over reads that fail with `failures[id]`, and what they told. */
function loaders(failures: Record<string, PvwaError>) {
  const warnings: Warning[] = [];
  const reads: string[] = [];
  const fail = (id: string) => {
    reads.push(id);
    if (failures[id]) throw failures[id];
  };
  const vault: VaultReads = {
    account: async (id) => (fail(id), { id, name: `account ${id}` }),
    liveSession: async (id) => (fail(id), { SessionID: id }),
    loggedOnUser: async () => (fail('me'), { UserName: 'demo' }),
  };
  const logger = createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
  return { warnings, reads, loaders: createVaultLoaders(vault, { warnings, logger, record: { requestId: 'r1' } }) };
}

describe('the Vault loaders', () => {
  it('load each account id once; 404 is null, 403 null with one warning, any other failure that id\'s error', async () => {
    const { warnings, reads, loaders: { accounts } } = loaders({ '2_1': status(403), '3_1': status(404), '4_1': status(500) });
    const answers = await accounts.loadMany(['1_1', '2_1', '3_1', '4_1', '1_1', '2_1']);
    expect(answers.slice(0, 3)).toEqual([{ id: '1_1', name: 'account 1_1' }, null, null]);
    expect(answers[3]).toBeInstanceOf(PvwaError);
    expect(reads).toEqual(['1_1', '2_1', '3_1', '4_1']);
    expect(warnings).toEqual([{ code: 'ACCOUNT_NOT_VISIBLE', message: 'The PVWA refused this session the Vault account 2_1 (no permission on its safe); it is null.', accountId: '2_1' }]);
  });

  it('leave out a live session the PVWA refuses, with a LIVE_SESSION_NOT_VISIBLE warning', async () => {
    const { warnings, loaders: { liveSessions } } = loaders({ g2: status(403), g3: status(404) });
    expect(await liveSessions.loadMany(['g1', 'g2', 'g3'])).toEqual([{ SessionID: 'g1' }, null, null]);
    expect(warnings).toEqual([{ code: 'LIVE_SESSION_NOT_VISIBLE', message: 'The PVWA refused this session the live session g2; it is left out.', sessionId: 'g2' }]);
  });

  it('read the logged-on user once per request', async () => {
    const { reads, loaders: { me } } = loaders({});
    expect(await Promise.all([me(), me()])).toEqual([{ UserName: 'demo' }, { UserName: 'demo' }]);
    expect(reads).toEqual(['me']);
  });
});
