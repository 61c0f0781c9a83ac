import { describe, expect, it } from '@jest/globals';
import { tokenFrom } from '../../src/sessions/credentials.js';

describe('the caller token from Authorization', () => {
  it.each([
    ['a raw token', 'abc==', 'abc=='],
    ['Bearer, any case, extra spaces', '  bearer   abc==  ', 'abc=='],
    ['the Logon answer still in its JSON quotes', '"abc=="', 'abc=='],
    ['Bearer and quotes', 'Bearer "abc=="', 'abc=='],
  ])('takes %s', (_what, header, token) => {
    expect(tokenFrom(header)).toBe(token);
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['Bearer alone', 'Bearer'],
    ['empty quotes', '""'],
  ])('has none for %s', (_what, header) => {
    expect(tokenFrom(header)).toBeNull();
  });
});
