import { describe, expect, it } from '@jest/globals';
import { PvwaError } from '../../src/pvwa/errors.js';
import { liveSessionFrom, loggedOnUserFrom, vaultAccountFrom } from '../../src/pvwa/vault.js';
import { fixture } from '../support/harness.js';

const session = (SessionID: string, SessionGuid: string) => ({ SessionID, SessionGuid, IsLive: true });
const badResponse = (what: string) => new PvwaError('bad-response', `The PVWA did not answer with ${what}.`, { status: 200 });

describe('the PVWA answers about Vault objects', () => {
  it('takes the documented live-session answer (a list of one), the session object itself, and an empty list as ended', () => {
    const documented = fixture<{ LiveSessions: object[] }>('get-live-session.docs-composite.json');
    expect(liveSessionFrom(documented, '29_138')).toBe(documented.LiveSessions[0]);
    const bare = session('29_1', 'g1');
    expect(liveSessionFrom(bare, 'g1')).toBe(bare);
    expect(liveSessionFrom({ LiveSessions: [], Total: 0 }, 'g1')).toBeNull();
  });

  it('takes the session of a list whose SessionID or SessionGuid is the id asked, else the first', () => {
    const [a, b] = [session('1_1', 'ga'), session('1_2', 'gb')];
    expect(liveSessionFrom({ LiveSessions: [a, b] }, '1_2')).toBe(b);
    expect(liveSessionFrom({ LiveSessions: [a, b] }, 'gb')).toBe(b);
    expect(liveSessionFrom({ LiveSessions: [a, b] }, 'other')).toBe(a);
  });

  it.each([null, [], 'x', {}, { SessionID: '' }, { LiveSessions: [{}] }, { LiveSessions: [null] }])('refuses %j as a live session', (body) => {
    expect(() => liveSessionFrom(body, 'g1')).toThrow(badResponse('a live session'));
  });

  it('takes an account with an id, and its size; refuses anything else', () => {
    const account = fixture<object>('get-account.docs-composite.json');
    expect(vaultAccountFrom(account, 512)).toEqual({ account, bytes: 512 });
    expect(vaultAccountFrom({ id: 46 }, 9).account).toEqual({ id: 46 });
    for (const body of [null, [], { id: '' }, { name: 'no id' }, { id: true }]) expect(() => vaultAccountFrom(body, 1)).toThrow(badResponse('a Vault account'));
  });

  it('takes the logged-on user with a UserName; refuses anything else', () => {
    const user = fixture<object>('get-logged-on-user.docs-composite.json');
    expect(loggedOnUserFrom(user)).toBe(user);
    for (const body of [null, {}, { UserName: '' }, { UserName: 7 }]) expect(() => loggedOnUserFrom(body)).toThrow(badResponse('the logged-on user'));
  });
});
