import { spawnSync } from 'node:child_process';
import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../src/config.js';

describe('configuration', () => {
  it('has documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 4000, HOST: '0.0.0.0', PVWA_TIMEOUT_MS: 10_000, PVWA_DEADLINE_MS: 20_000,
      LOG_LEVEL: 'info', PVWA_TLS_INSECURE: false, PVWA_GET_RETRIES: 2,
    });
    expect(config.PVWA_URL).toBeUndefined();
  });

  it('reads and normalises values', () => {
    const config = loadConfig({ PORT: '8080', PVWA_URL: 'https://pvwa.example.com/PasswordVault/', PVWA_TIMEOUT_MS: '2500', LOG_LEVEL: 'debug' });
    expect(config).toMatchObject({ PORT: 8080, PVWA_URL: 'https://pvwa.example.com/PasswordVault', PVWA_TIMEOUT_MS: 2500, PVWA_DEADLINE_MS: 5000, LOG_LEVEL: 'debug' });
  });

  it.each([
    [{ PORT: 'eighty' }, 'Invalid configuration: PORT must be a whole number from 0 to 65535 (got "eighty").'],
    [{ PVWA_URL: 'ftp://pvwa' }, 'Invalid configuration: PVWA_URL must be an http(s) URL, e.g. https://pvwa.example.com/PasswordVault (got "ftp://pvwa").'],
    [{ PVWA_TIMEOUT_MS: '-5' }, 'Invalid configuration: PVWA_TIMEOUT_MS must be a whole number from 1 to 600000 (got "-5").'],
    [{ LOG_LEVEL: 'loud' }, 'Invalid configuration: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud").'],
    [{ PVWA_CA_FILE: '/no/such/ca.pem' }, 'Invalid configuration: PVWA_CA_FILE cannot read the file /no/such/ca.pem.'],
    [{ PVWA_TLS_INSECURE: 'maybe' }, 'Invalid configuration: PVWA_TLS_INSECURE must be true or false (got "maybe").'],
  ])('refuses %j with one line naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(new ConfigError(message));
  });

  it('stops start-up with that one line and exit code 1', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, PVWA_TIMEOUT_MS: 'soon', NODE_OPTIONS: '' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe('Invalid configuration: PVWA_TIMEOUT_MS must be a whole number from 1 to 600000 (got "soon").\n');
  });

  it('refuses to start the simulator in production: PVWA_URL is required there', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, NODE_ENV: 'production', PVWA_URL: '', NODE_OPTIONS: '' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe('Invalid configuration: PVWA_URL is required when NODE_ENV=production (the embedded simulator is for development).\n');
  });
});
