import { spawnSync } from 'node:child_process';
import { describe, expect, it } from '@jest/globals';

/** The built gateway (dist/, which `npm test` builds first) as a process: how start-up fails. */
describe('start-up of the built gateway', () => {
  it('stops with the one configuration line on stderr and exit code 1', () => {
    const run = spawnSync(process.execPath, ['dist/main.js'], {
      env: { ...process.env, PVWA_TIMEOUT_MS: 'soon', NODE_OPTIONS: '' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe('Invalid configuration: PVWA_TIMEOUT_MS must be a whole number from 1 to 600000 (got "soon").\n');
  });

  it('refuses production without PVWA_URL before starting anything', () => {
    const run = spawnSync(process.execPath, ['dist/main.js'], {
      env: { ...process.env, NODE_ENV: 'production', PVWA_URL: '', SESSION_SECRET: 'ab'.repeat(32), NODE_OPTIONS: '' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe('Invalid configuration: PVWA_URL is required when NODE_ENV=production (the embedded simulator is for development).\n');
  });
});
