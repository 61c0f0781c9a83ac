import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Development on the embedded simulator only (no PVWA_URL, never in production): a secret of this
 * checkout, so that `npm start` and `npm run dev` started again accept what the last run issued.
 * The simulator's tokens are derived from it, and, when SESSION_SECRET is unset, the key the
 * session cookies are sealed with: a browser stays logged on across a restart (`npm run dev`
 * restarts on every change).
 *
 * It lives in node_modules/.cache (ignored by git, removed with node_modules, readable by its
 * owner only), made of 32 random bytes on first use. Each use takes its own key from it (HMAC
 * with the use's name), so no two uses share a key.
 */

/** The seed file, beside the package's own node_modules (src/simulator/ and dist/simulator/ alike). */
export const DEV_SEED_PATH = fileURLToPath(new URL('../../node_modules/.cache/pta-gateway/dev-seed', import.meta.url));

const SEED_BYTES = 32;

/** What the seed keys. */
export type DevSeedUse = 'simulator tokens' | 'session secret';

export interface DevSeed {
  /** A key for `use`, the same on every run of this checkout. */
  key(use: DevSeedUse): Buffer;
  /** Where the seed is kept; null when it could not be written (then it lasts this process only). */
  path: string | null;
}

/** The checkout's seed, made on first use; a seed of this process alone when the file cannot be kept. */
export function loadDevSeed(path = DEV_SEED_PATH): DevSeed {
  let seed: Buffer;
  let kept: string | null = path;
  try {
    seed = readFileSync(path);
    if (seed.length !== SEED_BYTES) throw new Error('not a seed');
  } catch {
    seed = randomBytes(SEED_BYTES);
    try {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, seed, { mode: 0o600 });
      chmodSync(path, 0o600);
    } catch {
      kept = null;
    }
  }
  return { key: (use) => createHmac('sha256', seed).update(`pta-gateway dev seed: ${use}`).digest(), path: kept };
}
