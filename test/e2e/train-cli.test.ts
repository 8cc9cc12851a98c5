/**
 * `gofuture train` in a child process (stdout not a TTY: plain progress lines): it cross-validates
 * the candidates, prints CV results, the chosen flavor, test metrics, baselines and the gate,
 * registers a version and writes its artifacts with --out (an ONNX file onnxruntime loads);
 * `--data` trains credit on a UCI CSV; bad input exits non-zero with its code.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { formatUciCreditCsv } from '../../jobs/training/datasets/credit-csv.ts';
import { generateUciCredit } from '../../jobs/training/datasets/credit-uci.ts';
import { createPrng } from '../../jobs/training/prng.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(ROOT, 'bin/gofuture.ts');
let dir = '';

async function runCli(args: readonly string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [CLI, 'train', ...args, '--data-dir', dir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, out, err };
}

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gofuture-train-cli-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

void describe('gofuture train', () => {
  void it('trains demand with two candidates, prints plain progress and results, writes the version with --out', async () => {
    const outDir = path.join(dir, 'out');
    const r = await runCli(['demand_forecast', '--candidates', 'linear,gbdt', '--folds', '2', '--out', outDir]);
    assert.equal(r.code, 0, r.err);
    const lines = r.out.split('\n');
    assert.ok(lines.includes('demand_forecast 1/6 cross-validation linear fold 1'), r.out);
    assert.ok(lines.includes('demand_forecast 6/6 evaluate gradient_boosting') || lines.includes('demand_forecast 6/6 evaluate linear'), r.out);
    assert.match(r.out, /^cv linear: rmse \d+\.\d+ ± \d+\.\d+ \(time-series, folds/m);
    assert.match(r.out, /^cv gradient_boosting: rmse /m);
    assert.match(r.out, /^chosen: (linear_regression|gradient_boosting)$/m);
    assert.match(r.out, /^baselines: .*persistence_rmse=/m);
    assert.match(r.out, /^beats every baseline$/m);
    assert.match(r.out, /^gate: passed$/m);
    // the data dir's file registry, seeded with the committed models (demand_forecast v1), so this is v2 and outlives the process
    assert.match(r.out, /^registered demand_forecast version 2 \(file registry\)$/m);
    await access(path.join(dir, 'registry', 'models', 'demand_forecast', 'versions', '2', 'artifacts', 'model.onnx'));
    const version = JSON.parse(await readFile(path.join(outDir, 'demand_forecast', '2', 'version.json'), 'utf8')) as { flavor: string; baselines: Record<string, number>; lineage: { codeVersion: string } };
    assert.ok(version.baselines.persistence_rmse);
    assert.ok(version.lineage.codeVersion.length > 0);
    const session = await ort.InferenceSession.create(await readFile(path.join(outDir, 'demand_forecast', '2', 'model.onnx')));
    assert.deepEqual(session.outputNames, ['trips_next_hour']);
    await session.release();
  });

  void it('trains credit_default on a UCI CSV given with --data, and refuses a bad one with TRAINING_DATA_INVALID', async () => {
    const good = path.join(dir, 'UCI_Credit_Card.csv');
    await writeFile(good, formatUciCreditCsv(generateUciCredit(createPrng(9), 4000)));
    const r = await runCli(['credit_default', '--data', good, '--folds', '2']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^chosen: gradient_boosting$/m);
    assert.match(r.out, /^beats every baseline$/m);
    const bad = path.join(dir, 'bad.csv');
    await writeFile(bad, 'ID,LIMIT_BAL,SEX\n1,20000,2\n');
    const b = await runCli(['credit_default', '--data', bad]);
    assert.equal(b.code, 1);
    assert.match(b.err, /TRAINING_DATA_INVALID: credit CSV .*missing column\(s\) EDUCATION/);
  });

  void it('an unknown model or candidate exits non-zero naming it', async () => {
    const m = await runCli(['churn']);
    assert.equal(m.code, 1);
    assert.match(m.err, /MODEL_NOT_FOUND: no model churn to train/);
    const c = await runCli(['surge_multiplier', '--candidates', 'svm']);
    assert.equal(c.code, 1);
    assert.match(c.err, /unknown candidate "svm"/);
  });
});
