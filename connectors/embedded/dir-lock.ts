/**
 * A cross-process lock on a folder: `mkdir <dir>/.lock` succeeds for exactly one process at a time
 * (atomic on local file systems). Holders keep it for a few file operations only; a lock older than
 * `staleMs` belongs to a writer that died and is broken. Within one process the waiters queue.
 */
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PlatformError } from '../../schema/errors.ts';

export interface DirLockOptions {
  readonly timeoutMs: number;
  readonly staleMs: number;
}

function isCode(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === code;
}

const local = new Map<string, Promise<unknown>>();

async function acquire(lock: string, o: DirLockOptions): Promise<void> {
  const deadline = Date.now() + o.timeoutMs;
  let delay = 2;
  for (;;) {
    try {
      await mkdir(lock);
      await writeFile(path.join(lock, 'owner'), `${process.pid}\n`).catch(() => undefined);
      return;
    } catch (e) {
      if (!isCode(e, 'EEXIST')) throw e;
    }
    const s = await stat(lock).catch(() => null);
    if (s && Date.now() - s.mtimeMs > o.staleMs) {
      await rm(lock, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new PlatformError('CONNECTOR_UNAVAILABLE', `lock ${lock} held for more than ${o.timeoutMs} ms`, { lock });
    await sleep(delay);
    delay = Math.min(delay * 2, 50);
  }
}

/** Runs `fn` holding the lock of `dir` (created if missing). */
export async function withDirLock<T>(dir: string, o: DirLockOptions, fn: () => Promise<T>): Promise<T> {
  const lock = path.join(dir, '.lock');
  const previous = local.get(lock) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(async () => {
    await mkdir(dir, { recursive: true });
    await acquire(lock, o);
    try {
      return await fn();
    } finally {
      await rm(lock, { recursive: true, force: true });
    }
  });
  local.set(lock, run);
  try {
    return await run;
  } finally {
    if (local.get(lock) === run) local.delete(lock);
  }
}
