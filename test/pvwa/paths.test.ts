import { describe, expect, it } from '@jest/globals';
import { EVENTS_PATH, eventIdProblem, eventPath } from '../../src/pvwa/paths.js';

describe('event ids and the PVWA URL rules', () => {
  it('accepts a PVWA id and builds its path as it is', () => {
    expect(eventIdProblem('5f14495ce4b0ba4baf5efd83')).toBeNull();
    expect(eventPath('5f14495ce4b0ba4baf5efd83')).toBe(`${EVENTS_PATH}5f14495ce4b0ba4baf5efd83`);
  });

  it('ends the path of an id with a dot with "/"', () => {
    expect(eventIdProblem('a.b')).toBeNull();
    expect(eventPath('a.b')).toBe(`${EVENTS_PATH}a.b/`);
  });

  it.each(['a b', 'a+b', 'a&b', 'a%20', 'a/b', 'a\\b', 'a?b', 'a#b', 'a\nb', 'a\u0000b'])('refuses %j (white space, + & % / \\ ? # or control)', (id) => {
    expect(eventIdProblem(id)).toBe('must not contain white space or any of + & % / \\ ? #');
  });

  it.each(['.', '..'])('refuses %j', (id) => {
    expect(eventIdProblem(id)).toBe('must not be "." or ".."');
  });

  it('refuses an empty id and one over 128 characters', () => {
    expect(eventIdProblem('')).toBe('must be 1 to 128 characters long');
    expect(eventIdProblem('x'.repeat(129))).toBe('must be 1 to 128 characters long');
    expect(eventIdProblem('x'.repeat(128))).toBeNull();
  });
});
