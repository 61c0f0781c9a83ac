import { inspect } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import {
  CHALLENGE_TTL_MS, openChallenge, openSession, Sealer, sealChallenge, sealSession, SessionSecret, type ChallengeState,
} from '../../src/sessions/seal.js';

const SECRET_HEX = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';
const sealer = new Sealer(SessionSecret.parse(SECRET_HEX)!);
const other = new Sealer(SessionSecret.random());
const NOW = 1_700_000_000_000;
const MAX_AGE = 43_200_000;

/** `sealed` with one bit of byte `index` flipped. */
function flip(sealed: string, index: number): string {
  const bytes = Buffer.from(sealed, 'base64url');
  bytes[index] ^= 1;
  return bytes.toString('base64url');
}

describe('sealed sessions', () => {
  it('open to the token they sealed, within the maximum age', () => {
    const sealed = sealSession(sealer, 'tok/en+==', NOW);
    expect(sealed).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain('tok');
    expect(openSession(sealer, sealed, NOW, MAX_AGE)?.token).toBe('tok/en+==');
    expect(openSession(sealer, sealed, NOW + MAX_AGE, MAX_AGE)?.token).toBe('tok/en+==');
  });

  it('are refused once older than the maximum age', () => {
    const sealed = sealSession(sealer, 'token', NOW);
    expect(openSession(sealer, sealed, NOW + MAX_AGE + 1, MAX_AGE)).toBeNull();
    expect(openSession(sealer, sealed, NOW + 2, 1)).toBeNull();
  });

  it('are refused when any byte was changed (version, IV, ciphertext, tag)', () => {
    const sealed = sealSession(sealer, 'token', NOW);
    const length = Buffer.from(sealed, 'base64url').length;
    for (const index of [0, 1, 12, 13, length - 17, length - 1]) {
      expect(openSession(sealer, flip(sealed, index), NOW, MAX_AGE)).toBeNull();
    }
    expect(openSession(sealer, sealed.slice(0, -2), NOW, MAX_AGE)).toBeNull();
    expect(openSession(sealer, sealed + 'AA', NOW, MAX_AGE)).toBeNull();
  });

  it('are refused under another key', () => {
    expect(openSession(other, sealSession(sealer, 'token', NOW), NOW, MAX_AGE)).toBeNull();
    expect(openSession(sealer, sealSession(other, 'token', NOW), NOW, MAX_AGE)).toBeNull();
  });

  it.each([['empty', ''], ['not base64url', 'abc.def'], ['too short', 'AQID'], ['far too long', 'A'.repeat(9000)], ['the bare token', 'demo-token']])(
    'refuses %s text',
    (_what, text) => {
      expect(openSession(sealer, text, NOW, MAX_AGE)).toBeNull();
    },
  );

  it('makes a new IV each time, so two seals of one token differ', () => {
    expect(sealSession(sealer, 'token', NOW)).not.toBe(sealSession(sealer, 'token', NOW));
  });
});

describe('sealed challenges', () => {
  const state: ChallengeState = { nonce: 'n1', username: 'radius-user', method: 'RADIUS', cookies: ['ASP.NET_SessionId=abc', 'lb=1'], expiresAt: NOW + CHALLENGE_TTL_MS };

  it('open to their state until they expire', () => {
    const sealed = sealChallenge(sealer, state);
    expect(openChallenge(sealer, sealed, NOW)).toEqual(state);
    expect(openChallenge(sealer, sealed, NOW + CHALLENGE_TTL_MS)).toEqual(state);
    expect(openChallenge(sealer, sealed, NOW + CHALLENGE_TTL_MS + 1)).toBeNull();
  });

  it('are refused when changed or under another key', () => {
    const sealed = sealChallenge(sealer, state);
    expect(openChallenge(sealer, flip(sealed, 20), NOW)).toBeNull();
    expect(openChallenge(other, sealed, NOW)).toBeNull();
  });

  it('never open as a session, nor a session as a challenge (the purpose is authenticated)', () => {
    expect(openSession(sealer, sealChallenge(sealer, state), NOW, MAX_AGE)).toBeNull();
    expect(openChallenge(sealer, sealSession(sealer, 'token', NOW), NOW)).toBeNull();
    expect(sealer.open('session', sealer.seal('challenge', { t: 'token', iat: NOW }))).toBeNull();
  });
});

describe('SESSION_SECRET', () => {
  it.each([
    ['hex, 32 bytes', SECRET_HEX],
    ['base64, 32 bytes', Buffer.alloc(32, 7).toString('base64')],
    ['base64url, 48 bytes', Buffer.alloc(48, 250).toString('base64url')],
  ])('takes %s', (_what, text) => {
    expect(SessionSecret.parse(text)).toBeInstanceOf(SessionSecret);
  });

  it.each([
    ['31 bytes of hex', SECRET_HEX.slice(2)],
    ['31 bytes of base64', Buffer.alloc(31, 7).toString('base64')],
    ['a passphrase with spaces', 'correct horse battery staple and more words'],
    ['empty', ''],
  ])('refuses %s', (_what, text) => {
    expect(SessionSecret.parse(text)).toBeNull();
  });

  it('reads hex as hex: the same bytes as hex and as base64 seal alike', () => {
    const bytes = Buffer.from(SECRET_HEX, 'hex');
    const fromBase64 = new Sealer(SessionSecret.parse(bytes.toString('base64'))!);
    expect(openSession(fromBase64, sealSession(sealer, 'token', NOW), NOW, MAX_AGE)?.token).toBe('token');
  });

  it('never shows its bytes when printed, logged or serialised', () => {
    const secret = SessionSecret.parse(SECRET_HEX)!;
    const shown = [JSON.stringify({ secret }), String(secret), inspect(secret), inspect({ secret }, { showHidden: true })].join(' ');
    expect(shown).not.toMatch(/0011|ABEiM0RVZneImaq7zN3u/);
    expect(JSON.stringify({ secret })).toBe('{"secret":"[redacted]"}');
  });
});
