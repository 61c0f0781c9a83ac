import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { DEV_SEED_PATH, loadDevSeed } from '../src/simulator/dev-seed.js';

describe('the development seed of the checkout (embedded simulator only)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pta-dev-seed-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lives in node_modules/.cache of the package', () => {
    expect(DEV_SEED_PATH).toBe(new URL('../node_modules/.cache/pta-gateway/dev-seed', import.meta.url).pathname);
  });

  it('is made once, readable by its owner only, and gives the same keys on every load, one per use', () => {
    const path = join(dir, 'cache', 'dev-seed');
    const first = loadDevSeed(path);
    expect(first.path).toBe(path);
    expect(readFileSync(path)).toHaveLength(32);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const again = loadDevSeed(path);
    expect(again.key('simulator tokens').equals(first.key('simulator tokens'))).toBe(true);
    expect(again.key('session secret').equals(first.key('session secret'))).toBe(true);
    expect(first.key('simulator tokens').equals(first.key('session secret'))).toBe(false);
    expect(first.key('session secret')).toHaveLength(32);
  });

  it('is made again when the file is not a seed; lasts the process alone when it cannot be written', () => {
    const path = join(dir, 'short');
    writeFileSync(path, 'short');
    const remade = loadDevSeed(path);
    expect(readFileSync(path)).toHaveLength(32);
    expect(loadDevSeed(path).key('session secret').equals(remade.key('session secret'))).toBe(true);
    const unwritable = loadDevSeed(join(path, 'below-a-file', 'dev-seed'));
    expect(unwritable.path).toBeNull();
    expect(unwritable.key('session secret')).toHaveLength(32);
  });
});
