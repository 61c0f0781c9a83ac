import { describe, expect, it } from '@jest/globals';
import { clearedSessionCookie, cookieValues, sessionCookie } from '../../src/sessions/cookie.js';

describe('the session cookie headers', () => {
  it('sets a browser-session cookie: HttpOnly, Secure, SameSite=Strict, Path=/, no Max-Age or Expires', () => {
    expect(sessionCookie('sealed_-1', true)).toBe('pta_session=sealed_-1; HttpOnly; Secure; SameSite=Strict; Path=/');
  });

  it('drops Secure only when told (SESSION_COOKIE_SECURE=false)', () => {
    expect(sessionCookie('v', false)).toBe('pta_session=v; HttpOnly; SameSite=Strict; Path=/');
  });

  it('clears it with Max-Age=0 and the same attributes', () => {
    expect(clearedSessionCookie(true)).toBe('pta_session=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0');
  });

  it.each([
    [undefined, []],
    ['', []],
    ['pta_session=abc', ['abc']],
    ['a=1; pta_session=abc; b=2', ['abc']],
    [' pta_session = "abc" ', ['abc']],
    ['pta_session=old; other=x; pta_session=new', ['old', 'new']],
    ['xpta_session=abc; pta_sessionx=def; novalue', []],
    ['pta_session=', ['']],
  ])('reads %j as %j', (header, values) => {
    expect(cookieValues(header, 'pta_session')).toEqual(values);
  });
});
