/** Shared helpers of the conformance suites: unique names, polling instead of fixed sleeps. */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { isPlatformError } from '../../schema/errors.ts';

/** A name no other test (or earlier run against a shared broker/server) uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

export interface PollOptions {
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
}

/** Polls `check` until it returns true; fails with `what` after the timeout. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, o: PollOptions = {}): Promise<void> {
  const timeoutMs = o.timeoutMs ?? 15_000;
  const intervalMs = o.intervalMs ?? 5;
  const deadline = Date.now() + timeoutMs;
  let delay = intervalMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(delay);
    delay = Math.min(delay * 2, 100);
  }
}

/** Waits `ms` and then asserts `check` still holds (for "nothing more arrives" checks). */
export async function staysTrue(what: string, check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!check()) throw new Error(`expected ${what} to stay true`);
    await sleep(10);
  }
  if (!check()) throw new Error(`expected ${what} to stay true`);
}

/** An assert.rejects matcher for a PlatformError with `code`. */
export function withCode(code: string): (e: unknown) => boolean {
  return (e: unknown) => {
    if (!isPlatformError(e)) throw new Error(`expected PlatformError ${code}, got ${String(e)}`, { cause: e });
    if (e.code !== code) throw new Error(`expected PlatformError ${code}, got ${e.code}: ${e.message}`, { cause: e });
    return true;
  };
}
