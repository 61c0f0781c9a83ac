import { spawn, type ChildProcess } from 'node:child_process';
import { utimesSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

// `npm run dev` (scripts/dev.mjs) as a developer runs it, on the embedded simulator without
// SESSION_SECRET: it restarts when schema/ changes, and a browser's session cookie, and the
// token inside it, still work after the restart (the checkout's development seed).

const ROOT = new URL('../../', import.meta.url);
const SCHEMA_FILE = new URL('schema/scalars.graphql', ROOT);

describe('npm run dev', () => {
  let child: ChildProcess;
  let exited: Promise<number | null>;
  const lines: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  /** Resolves with the `count`-th JSON log line whose msg is `msg`. */
  const logged = (msg: string, count = 1) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const check = () => {
        const found = lines.filter((line) => line.msg === msg);
        if (found.length < count) return false;
        resolve(found[count - 1]);
        return true;
      };
      if (check()) return;
      waiters.push(() => void check());
      void exited.then((code) => reject(new Error(`npm run dev exited with ${code} before logging "${msg}" ${count} times`)));
    });

  beforeAll(() => {
    const { NODE_ENV: _nodeEnv, SESSION_SECRET: _secret, PVWA_URL: _url, ...parentEnv } = process.env;
    child = spawn(process.execPath, ['scripts/dev.mjs'], {
      cwd: ROOT,
      env: { ...parentEnv, NODE_OPTIONS: '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', LOG_FORMAT: 'json' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    createInterface({ input: child.stdout! }).on('line', (text) => {
      if (!text.startsWith('{')) return;
      lines.push(JSON.parse(text) as Record<string, unknown>);
      for (const waiter of waiters) waiter();
    });
  });
  afterAll(async () => {
    child.kill('SIGTERM');
    // Every gateway it started has stopped (a restart stops the one before too), and it has exited.
    await logged('stopped', lines.filter((line) => line.msg === 'pta-gateway listening').length);
    await exited;
  });

  const graphql = (url: string, query: string, headers: Record<string, string>) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) }).then(async (response) => ({ response, body: (await response.json()) as Record<string, any> }));

  it('restarts on a change of schema/, and the session cookie and the logon token still work', async () => {
    const first = String((await logged('pta-gateway listening')).url);
    const logon = await graphql(first, 'mutation { logon(input: {username: "demo", password: "demo", delivery: COOKIE}) { __typename } }', {});
    const cookie = logon.response.headers.getSetCookie()[0].split(';', 1)[0];
    const token = (await graphql(first, 'mutation { logon(input: {username: "demo", password: "demo"}) { ... on LogonSuccess { token } } }', {})).body.data.logon.token as string;
    const READ = '{ session { delivery } securityEvents(first: 1) { totalCount } }';
    expect((await graphql(first, READ, { cookie })).body).toEqual({ data: { session: { delivery: 'COOKIE' }, securityEvents: { totalCount: 240 } } });

    const now = new Date();
    utimesSync(SCHEMA_FILE, now, now);
    const second = String((await logged('pta-gateway listening', 2)).url);
    expect(second).not.toBe(first);
    expect((await graphql(second, READ, { cookie })).body).toEqual({ data: { session: { delivery: 'COOKIE' }, securityEvents: { totalCount: 240 } } });
    expect((await graphql(second, READ, { authorization: token })).body).toEqual({ data: { session: { delivery: 'TOKEN' }, securityEvents: { totalCount: 240 } } });
    // No SESSION_SECRET warning: the development secret sealed the cookie.
    expect(lines.filter((line) => line.level === 'warn' && String(line.msg).startsWith('SESSION_SECRET'))).toEqual([]);
  }, 120_000);
});
