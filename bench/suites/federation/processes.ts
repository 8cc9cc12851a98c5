/**
 * Child processes of the federated bench: spawn one, wait until its GraphQL endpoint answers, and
 * read what it used from /proc (CPU ticks of the process tree, peak RSS = VmHWM summed over the
 * tree). Stopped by pid (SIGTERM, then SIGKILL), never by name.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS = 100; // USER_HZ on Linux

export interface Child {
  readonly process: ChildProcess;
  readonly pid: number;
  output(): string;
  stop(): Promise<void>;
}

export function spawnChild(command: string, args: readonly string[], env: Record<string, string> = {}): Child {
  const child = spawn(command, [...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (b: Buffer): void => {
    tail = (tail + b.toString('utf8')).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return {
    process: child,
    pid: child.pid ?? 0,
    output: () => tail,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(force);
    },
  };
}

/** The first stdout line holding `"ready":true`, parsed. */
export function readyLine<T>(c: Child, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`pid ${c.pid} not ready after ${timeoutMs} ms: ${c.output()}`)), timeoutMs);
    c.process.stdout?.on('data', (b: Buffer) => {
      buf += b.toString('utf8');
      for (const line of buf.split('\n')) {
        if (line.includes('"ready":true')) {
          clearTimeout(timer);
          resolve(JSON.parse(line) as T);
          return;
        }
      }
    });
    c.process.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`pid ${c.pid} exited (${code}) before ready: ${c.output()}`));
    });
  });
}

/** Polls the endpoint with `{ __typename }` until it answers anything but 5xx. */
export async function waitForEndpoint(url: string, c: Child | undefined, timeoutMs: number, headers: Record<string, string> = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (c && c.process.exitCode !== null) throw new Error(`pid ${c.pid} exited (${c.process.exitCode}): ${c.output()}`);
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"query":"{__typename}"}', signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status < 500) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`${url} not ready after ${timeoutMs} ms${c ? `: ${c.output()}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (text) out.push(...text.split(/\s+/).map(Number));
    }
  } catch {
    // gone
  }
  return out;
}

/** The pid and every descendant. */
export function processTree(pid: number): number[] {
  const all = [pid];
  for (let i = 0; i < all.length; i++) all.push(...childrenOf(all[i] as number));
  return all;
}

/** CPU seconds (user + system) used so far by the process tree. */
export function cpuSeconds(pid: number): number {
  let ticks = 0;
  for (const p of processTree(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15 of stat)
    } catch {
      // gone
    }
  }
  return ticks / CLOCK_TICKS;
}

/** Peak resident memory of the tree in MB: VmHWM of each process, summed (an upper bound). */
export function peakRssMb(pid: number): number {
  let kb = 0;
  for (const p of processTree(pid)) {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      kb += Number(m?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return kb / 1024;
}
