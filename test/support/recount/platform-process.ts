/**
 * The platform as a real child process (`node bin/gofuture.ts start --config FILE`), on free ports:
 * start and wait for the ready line, stop with SIGINT (clean) or SIGKILL (kill -9).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { eventually } from '../../e2e/support.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const CLI = path.join(ROOT, 'bin/gofuture.ts');

export interface PlatformProcess {
  readonly url: string;
  readonly pid: number;
  output(): string;
  /** SIGINT, then the exit code (the platform stops cleanly: batches committed, files flushed). */
  interrupt(): Promise<number | null>;
  /** SIGKILL: no clean-up of any kind. */
  kill9(): Promise<void>;
  exited(): boolean;
}

export async function startPlatformProcess(configFile: string, label: string): Promise<PlatformProcess> {
  const child: ChildProcess = spawn(process.execPath, [CLI, 'start', '--config', configFile], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exit = once(child, 'exit') as Promise<[number | null, string | null]>;
  try {
    // a liveness bound, not a speed check: CI runs this file next to the other tests on 2 shared
    // cores, and a cold start there (40 simulated minutes of backfill first) took over 90 s
    const url = await eventually(`the ready line of platform ${label}`, 300_000, () => {
      if (child.exitCode !== null) throw new Error(`platform ${label} exited ${child.exitCode}: ${out.slice(-3000)}`);
      return /GoFuture data API ready: (http:\/\/[^"\s]+)/.exec(out)?.[1];
    }, 200);
    const pid = child.pid ?? -1;
    return {
      url,
      pid,
      output: () => out,
      exited: () => child.exitCode !== null || child.signalCode !== null,
      interrupt: async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
        const [code] = await exit;
        return code;
      },
      kill9: async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exit;
      },
    };
  } catch (e) {
    if (child.exitCode === null) child.kill('SIGKILL');
    await exit;
    throw e;
  }
}
