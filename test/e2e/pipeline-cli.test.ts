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
    // the ML DAGs are registered (pipeline.ml): a daily drift check per model, retraining on the seeds' cadence
    assert.match(list, /^drift_check_credit_default\s+schedule=0 3 \* \* \*/m);
    assert.match(list, /^retrain_fraud_score\s+schedule=15 \* \* \* \*/m);
    assert.match(list, /^retrain_demand_forecast\s+schedule=30 2 \* \* 1/m);
    assert.doesNotMatch(list, /^retrain_credit_default/m);
    assert.doesNotMatch(list, /^retrain_models/m);
    const first = await cli('backfill', 'drift_check_credit_default', '--from', '2026-02-01', '--to', '2026-02-02');
    assert.deepEqual(first.trim().split('\n'), [
      'drift_check_credit_default 2026-02-01 succeeded (1/2)',
      'drift_check_credit_default 2026-02-02 succeeded (2/2)',
      'drift_check_credit_default: 2 run, 0 already done, 0 failed',
    ]);
    const second = await cli('backfill', 'drift_check_credit_default', '--from', '2026-02-01', '--to', '2026-02-03');
    assert.match(second, /2026-02-01 skipped/);
    assert.match(second, /2026-02-02 skipped/);
    assert.match(second, /2026-02-03 succeeded/);
    assert.match(second, /1 run, 2 already done, 0 failed/);
    const status = await cli('status', 'drift_check_credit_default', '--date', '2026-02-03');
    // drift_check -> retrain -> validate -> gate -> register -> canary: the committed champion has no
    // drift reference, so the check is skipped and the chain has nothing to do, without failing
    assert.equal(status.trim().split('\n').length, 6);
    assert.ok(status.split('\n').filter(Boolean).every((l) => l.includes('succeeded attempts=1')));
  });
});
