// `npm run dev`: the gateway from src/ with `tsx watch`, restarted on every change of src/ and of
// schema/ (which the gateway reads at start-up but imports nothing of, so tsx is told to watch it:
// `--include`), with the resolver types regenerated from schema/ first and on each change of it
// (`npm run codegen`; the editor and `npm run typecheck` see them). Plain JavaScript: it runs
// before any TypeScript is compiled. Arguments are passed on to src/main.ts.
import { spawn, spawnSync } from 'node:child_process';
import { watch } from 'node:fs';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const root = new URL('..', import.meta.url);

/** Regenerates src/graph/generated/ (codegen writes only files whose content changed). */
const codegen = () => spawnSync(npm, ['run', 'codegen', '--silent'], { cwd: root, stdio: 'inherit' }).status === 0;

codegen();
let timer;
// A save is often several writes: one run after they settle.
const schemaWatcher = watch(new URL('schema/', root), () => {
  clearTimeout(timer);
  timer = setTimeout(() => {
    if (codegen()) process.stderr.write('npm run dev: schema/ changed, resolver types regenerated\n');
  }, 100);
});

const tsx = spawn(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'watch', '--clear-screen=false', '--include', 'schema', 'src/main.ts', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
// Ctrl-C and SIGTERM reach tsx, which stops the gateway in its order; this script ends with it.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => tsx.kill(signal));
tsx.once('exit', (code, signal) => {
  schemaWatcher.close();
  clearTimeout(timer);
  process.exit(code ?? (signal ? 1 : 0));
});
