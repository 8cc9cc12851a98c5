/**
 * A `gofuture run <jobs...>` child process the kill-restart test starts, kills with SIGKILL and starts
 * again. Its JSON log lines (stdout and stderr) go to a file; from them it learns when the jobs run
 * ("jobs running") and sums what the CDC job skipped as already published (a redelivery after a kill).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';

export class JobsProcess {
  readonly #args: readonly string[];
  readonly #cwd: string;
  readonly #out: WriteStream;
  #child: ChildProcess | null = null;
  /** Records the CDC job did not publish again (sum over every incarnation). */
  skippedRepublish = 0;
  /** Error-level log lines (level >= 50), for the failure message. */
  readonly errors: string[] = [];
  starts = 0;

  constructor(o: { args: readonly string[]; cwd: string; logFile: string }) {
    this.#args = o.args;
    this.#cwd = o.cwd;
    this.#out = createWriteStream(o.logFile, { flags: 'a' });
  }

  get running(): boolean {
    return this.#live() !== null;
  }

  #live(): ChildProcess | null {
    const c = this.#child;
    if (c && (c.exitCode !== null || c.signalCode !== null)) this.#child = null;
    return this.#child;
  }

  #line(line: string): void {
    this.#out.write(`${line}\n`);
    if (!line.startsWith('{')) return;
    let entry: { level?: number; msg?: string; skipped?: number };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      return; // a line cut by kill -9
    }
    if (entry.msg?.includes('already published')) this.skippedRepublish += entry.skipped ?? 0;
    if ((entry.level ?? 0) >= 50 && this.errors.length < 20) this.errors.push(line.slice(0, 500));
  }

  /** Spawns the process and waits until its jobs run (their "jobs running" log line). */
  async start(timeoutMs = 60_000): Promise<void> {
    if (this.#child) throw new Error('already running');
    const child = spawn(process.execPath, this.#args, { cwd: this.#cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: process.env.KILL_RESTART_LOG_LEVEL ?? 'info' } });
    this.#child = child;
    this.starts++;
    let ready: () => void = () => undefined;
    const isReady = new Promise<void>((resolve) => (ready = resolve));
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => {
        this.#line(line);
        if (line.includes('jobs running')) ready();
      });
    }
    const exited = once(child, 'exit').then(([code]) => {
      if (this.#child === child) this.#child = null;
      throw new Error(`gofuture run exited with ${String(code)} before its jobs ran; ${this.errors.join('\n') || 'see the log'}`);
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`gofuture run not ready after ${timeoutMs} ms`)), timeoutMs)));
    try {
      await Promise.race([isReady, exited, timeout]);
    } finally {
      clearTimeout(timer);
      exited.catch(() => undefined);
    }
  }

  /** kill -9, and waits for the exit. */
  async kill(): Promise<void> {
    const child = this.#live();
    if (!child) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
    this.#child = null;
  }

  /** SIGTERM (the jobs stop cleanly), then SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    const child = this.#live();
    if (!child) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
    this.#child = null;
  }

  async close(): Promise<void> {
    await this.kill();
    await new Promise<void>((resolve) => this.#out.end(resolve));
  }
}
