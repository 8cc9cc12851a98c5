/**
 * `gofuture pipeline` as a user runs it, in a child process on a fresh data dir: list, a backfill
 * that prints plain lines when stdout is not a TTY, and the same backfill again over a wider range
 * skips the dates already done (resumable), then status shows the runs.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(ROOT, 'bin', 'gofuture.ts');
const run = promisify(execFile);

void describe('gofuture pipeline', () => {
  let dir: string | null = null;
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  void it('lists the DAGs, backfills with plain lines and resumes a wider range without redoing done dates', { timeout: 120_000 }, async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gofuture-pipeline-cli-'));
    const cli = async (...args: string[]): Promise<string> => (await run(process.execPath, [CLI, 'pipeline', ...args, '--data-dir', dir as string], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'error' } })).stdout;
    const list = await cli('list');
    assert.match(list, /^daily_etl\s+schedule=15 0 \* \* \* tz=UTC/m);
    assert.match(list, /features\s+<- publish_marts\s+\[placeholder\]/);
    assert.match(list, /^warehouse_marts\s+schedule=0 \*\/6 \* \* \*/m);
    const first = await cli('backfill', 'retrain_models', '--from', '2026-02-01', '--to', '2026-02-02');
    assert.deepEqual(first.trim().split('\n'), [
      'retrain_models 2026-02-01 succeeded (1/2)',
      'retrain_models 2026-02-02 succeeded (2/2)',
      'retrain_models: 2 run, 0 already done, 0 failed',
    ]);
    const second = await cli('backfill', 'retrain_models', '--from', '2026-02-01', '--to', '2026-02-03');
    assert.match(second, /2026-02-01 skipped/);
    assert.match(second, /2026-02-02 skipped/);
    assert.match(second, /2026-02-03 succeeded/);
    assert.match(second, /1 run, 2 already done, 0 failed/);
    const status = await cli('status', 'retrain_models', '--date', '2026-02-03');
    assert.equal(status.trim().split('\n').length, 4);
    assert.ok(status.split('\n').filter(Boolean).every((l) => l.includes('succeeded attempts=1')));
  });
});
