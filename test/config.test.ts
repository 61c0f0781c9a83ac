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
    // The secret is never repeated, even a wrong one.
    [{ SESSION_SECRET: 'hunter2-is-too-short' }, 'Invalid configuration: SESSION_SECRET must be at least 32 random bytes, written in hex or base64 (e.g. the output of `openssl rand -base64 32`).'],
    [{ SESSION_MAX_AGE_MS: '0' }, 'Invalid configuration: SESSION_MAX_AGE_MS must be a positive number of ms (got "0").'],
    [{ SESSION_MAX_AGE_MS: 'a day' }, 'Invalid configuration: SESSION_MAX_AGE_MS must be a positive number of ms (got "a day").'],
    [{ SESSION_COOKIE_SECURE: 'no' }, 'Invalid configuration: SESSION_COOKIE_SECURE must be true or false (got "no").'],
  ])('refuses %j with one line naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(new ConfigError(message));
  });

  it('reads the session settings: any positive SESSION_MAX_AGE_MS, SESSION_COOKIE_SECURE, SESSION_SECRET in hex or base64', () => {
    expect(loadConfig({})).toMatchObject({ SESSION_MAX_AGE_MS: 43_200_000, SESSION_COOKIE_SECURE: true });
    expect(loadConfig({}).SESSION_SECRET).toBeUndefined();
    expect(loadConfig({ SESSION_MAX_AGE_MS: '1', SESSION_COOKIE_SECURE: 'false' })).toMatchObject({ SESSION_MAX_AGE_MS: 1, SESSION_COOKIE_SECURE: false });
    expect(loadConfig({ SESSION_MAX_AGE_MS: '2592000000' }).SESSION_MAX_AGE_MS).toBe(2_592_000_000);
    expect(String(loadConfig({ SESSION_SECRET: 'ab'.repeat(32) }).SESSION_SECRET)).toBe('[redacted]');
    expect(JSON.stringify(loadConfig({ SESSION_SECRET: Buffer.alloc(32, 1).toString('base64') }))).toContain('"SESSION_SECRET":"[redacted]"');
  });

  it('requires PVWA_URL in production: the embedded simulator is for development', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 'ab'.repeat(32) })).toThrow(
      new ConfigError('Invalid configuration: PVWA_URL is required when NODE_ENV=production (the embedded simulator is for development).'),
    );
  });

  it('requires SESSION_SECRET in production, with one line', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', PVWA_URL: 'http://127.0.0.1:1/PasswordVault' })).toThrow(
      new ConfigError('Invalid configuration: SESSION_SECRET is required when NODE_ENV=production (it seals session cookies and logon challenges; e.g. `openssl rand -base64 32`).'),
    );
  });

  it('reads trusted documents: enforce by default with a manifest, the IDE then off; a mode needs a manifest', () => {
    const path = new URL('../package.json', import.meta.url).pathname;
    expect(loadConfig({ TRUSTED_DOCUMENTS: path })).toMatchObject({ TRUSTED_DOCUMENTS: { path }, TRUSTED_DOCUMENTS_MODE: 'enforce', GRAPHQL_IDE: false });
    expect(loadConfig({ TRUSTED_DOCUMENTS: path, TRUSTED_DOCUMENTS_MODE: 'allow' })).toMatchObject({ TRUSTED_DOCUMENTS_MODE: 'allow', GRAPHQL_IDE: true });
    expect(loadConfig({}).GRAPHQL_IDE).toBe(true);
    expect(() => loadConfig({ TRUSTED_DOCUMENTS_MODE: 'allow' })).toThrow(new ConfigError('Invalid configuration: TRUSTED_DOCUMENTS_MODE needs TRUSTED_DOCUMENTS (the manifest of trusted documents).'));
    expect(() => loadConfig({ TRUSTED_DOCUMENTS: path, TRUSTED_DOCUMENTS_MODE: 'strict' })).toThrow(new ConfigError('Invalid configuration: TRUSTED_DOCUMENTS_MODE must be allow or enforce (got "strict").'));
  });

  it('takes production with both set: introspection and the IDE off, JSON logs, no CORS origin', () => {
    const config = loadConfig({ NODE_ENV: 'production', PVWA_URL: 'http://127.0.0.1:1/PasswordVault', SESSION_SECRET: 'ab'.repeat(32) });
    expect(config).toMatchObject({ INTROSPECTION: false, GRAPHQL_IDE: false, LOG_FORMAT: 'json', CORS_ORIGINS: [] });
  });
});
