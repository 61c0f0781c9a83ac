// `npm start` runs the compiled gateway (node dist/main.js). This runs first (prestart) and builds
// only when dist/ is missing or older than what it is built from, so a fresh clone still starts
// with one command after `npm ci` and later starts cost nothing. Plain JavaScript on purpose:
// nothing but node runs under `npm start`.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const SOURCES = ['src', 'schema', 'assets', 'tsconfig.json', 'tsconfig.build.json', 'codegen.yml', 'package-lock.json'];
const GENERATED = join(root, 'src', 'graph', 'generated');

function newest(path) {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  if (path === GENERATED) return 0;
  let latest = 0;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

const built = newest(join(root, 'dist', 'main.js'));
const sources = Math.max(...SOURCES.map((name) => newest(join(root, name))));
if (built === 0 || built < sources) {
  process.stdout.write(built === 0 ? 'dist/ is missing: building the gateway once (npm run build)...\n' : 'sources changed since the last build: rebuilding (npm run build)...\n');
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
}
