import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus } from 'node:os';
import type { Side } from './scenarios.js';

/** What the bench scripts (run.ts, compression.ts) share about the machine: ports, CPUs, /proc. */

/** Clock ticks per second of /proc/<pid>/stat's times. */
export const CLK_TCK = 100;

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Whether servers and load can run on CPUs of their own (taskset, and two CPUs at least). */
export const canPin = (() => {
  try {
    execFileSync('taskset', ['-c', '0', 'true']);
    return cpus().length >= 2;
  } catch {
    return false;
  }
})();
/** `command` run on CPU `cpu` when pinning is possible. */
export const pinned = (cpu: number, command: string, commandArgs: string[]) => (canPin ? ['taskset', ['-c', String(cpu), command, ...commandArgs]] : [command, commandArgs]) as [string, string[]];

/** The process's user + system CPU time so far, in ticks (under taskset, the child is node: taskset execs it). */
export function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** autocannon (its own process, on CPU 1) repeating `side`'s request: the command and its arguments; it prints its result as JSON. */
export function autocannonCommand(side: Side, connections: number, seconds: number): [string, string[]] {
  const argv = ['node_modules/autocannon/autocannon.js', '-j', '-c', String(connections), '-d', String(seconds), '-m', side.method];
  for (const [key, value] of Object.entries(side.headers)) argv.push('-H', `${key}=${value}`);
  if (side.body !== undefined) argv.push('-b', side.body);
  if (side.idReplacement) argv.push('-I');
  argv.push(side.url);
  return pinned(1, process.execPath, argv);
}
