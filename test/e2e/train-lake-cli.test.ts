/**
 * `gofuture train <model> --lake`: the training set comes from the data dir's lake by point-in-time
 * retrieval (a small simulated lake: simulator -> bronze -> daily_etl), as of `--date`; the version
 * registered says so (tag data=lake, lineage with the Delta table versions read and the feature
 * views). An empty lake is refused with TRAINING_DATA_INVALID.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { simulatedLake, type SimulatedLake } from '../support/features/simulated-lake.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(ROOT, 'bin/gofuture.ts');
const DAY = '2026-03-06';

async function train(dir: string, args: readonly string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [CLI, 'train', ...args, '--data-dir', dir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'error' } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, out, err };
}

void describe('gofuture train --lake', () => {
  let lake: SimulatedLake;
  let empty = '';
  before(async () => {
    lake = await simulatedLake({ startTime: Date.parse(`${DAY}T06:00:00Z`), minutes: 240, seed: 31 });
    empty = await mkdtemp(path.join(os.tmpdir(), 'gofuture-train-lake-'));
  });
  after(async () => {
    await lake?.close();
    if (empty) await rm(empty, { recursive: true, force: true });
  });

  void it('trains demand_forecast on the lake set as of the date and records its lineage', { timeout: 180_000 }, async () => {
    const outDir = path.join(lake.fx.root, 'out');
    const r = await train(lake.fx.root, ['demand_forecast', '--lake', '--date', DAY, '--candidates', 'linear', '--folds', '2', '--out', outDir]);
    assert.equal(r.code, 0, r.err);
    const rows = /^demand_forecast: (\d+) rows from the lake \((.*)\)$/m.exec(r.out);
    assert.ok(rows, r.out);
    assert.ok(Number(rows[1]) > 0);
    const version = /^registered demand_forecast version (\d+)/m.exec(r.out)?.[1];
    assert.ok(version, r.out);
    const v = JSON.parse(await readFile(path.join(outDir, 'demand_forecast', version, 'version.json'), 'utf8')) as { tags: Record<string, string>; lineage: { tables: { name: string; version: number }[]; featureViews: string[]; trainingRows: number } };
    assert.equal(v.tags.data, 'lake');
    assert.deepEqual(v.lineage.featureViews, ['region_demand']);
    const tables = v.lineage.tables.map((t) => t.name);
    assert.deepEqual(tables, ['gold.region_demand_rows', 'silver.events']);
    for (const t of v.lineage.tables) assert.equal(t.version, (await lake.fx.lake.table(t.name).snapshot()).version, `${t.name} at the version read`);
    assert.ok(rows[2]?.includes(`silver.events@`));
  });

  void it('refuses an empty lake (a model without a lake set: test/unit/ml-wiring.test.ts)', async () => {
    const none = await train(empty, ['fraud_score', '--lake', '--date', DAY]);
    assert.equal(none.code, 1);
    assert.match(none.err, /TRAINING_DATA_INVALID: no labelled rows of fraud_score in the lake up to 2026-03-06/);
  });
});
