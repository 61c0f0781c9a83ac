import { describe, expect, it } from '@jest/globals';
import { requestIdFrom } from '../../src/telemetry/record.js';

describe('request ids', () => {
  it('keeps a sane X-Request-Id', () => {
    expect(requestIdFrom('req-1.a:b_C')).toBe('req-1.a:b_C');
  });

  it.each([undefined, '', 'has space', 'x'.repeat(129), 'new\nline', '<script>'])('makes a new UUID for %j', (header) => {
    expect(requestIdFrom(header)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
