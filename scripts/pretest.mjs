// `npm test`'s steps before jest: the code generators, then the build (what the e2e tests run)
// and the type check of everything (src, test, bench, scripts, examples) side by side. The build
// here only emits (`--noCheck`): the type check beside it checks src/ too, so src/ is not
// checked twice (`npm run build`, for `npm start` and the image, checks as it compiles). Plain JavaScript: it runs before any
// TypeScript is compiled. Exits non-zero when any step fails, with that step's output.
import { spawn } from 'node:child_process';

const run = (command, args) =>
  new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit', shell: false });
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const steps = [
  [[npm, ['run', 'codegen', '--silent']], [npm, ['run', 'codegen:example', '--silent']]],
  [[npm, ['run', 'build:emit', '--silent']], [npm, ['run', 'typecheck', '--silent']]],
];
for (const parallel of steps) {
  const codes = await Promise.all(parallel.map(([command, args]) => run(command, args)));
  if (codes.some((code) => code !== 0)) process.exit(1);
}
