/**
 * The ML loop end to end on the embedded profile, the way an ML engineer drives it (issue 9 "done
 * when"): the platform runs in this process (gateway, subgraphs, the orchestrator job with the ML
 * DAGs registered by pipeline.ml, a canary traffic policy for credit_default), and the test uses
 * only the CLI and GraphQL:
 *
 * 1. train -> gate -> champion: `gofuture train credit_default --alias champion` (a UCI-shaped CSV);
 *    serving picks the new champion up (scoreCredit answers with it, variant CHAMPION).
 * 2. injected drift: scoreCreditBatch with every input shifted (clients richer, older, later to
 *    pay); the predictions land in the prediction log in the lake.
 * 3. drift -> retrain -> challenger: `runPipeline(drift_check_credit_default)` through the gateway;
 *    the drift report (driftReports) shows dataset drift on the prediction-log window, the chain
 *    retrains, validates, gates and registers a new version with alias challenger.
 * 4. canary: predictions split by client id between the champion (CHAMPION) and the challenger
 *    (CANARY), sticky per client.
 * 5. promotion: promoteModel(champion) of the challenger passes its gate; serving answers with it.
 *    A version whose metrics fail the gate is refused with MODEL_GATE_FAILED.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { loadConfig } from '../../bin/config.ts';
import { startPlatform, type RunningPlatform } from '../../bin/platform.ts';
import { formatUciCreditCsv } from '../../jobs/training/datasets/credit-csv.ts';
import { generateUciCredit } from '../../jobs/training/datasets/credit-uci.ts';
import { createPrng } from '../../jobs/training/prng.ts';
import { eventually, gql } from './support.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(ROOT, 'bin/gofuture.ts');
const MODEL = 'credit_default';
const CLIENTS = 200;

interface Ref { name: string; version: string; alias: string; variant: string }
interface Score { clientId: string; defaultProbability: number; model: Ref }

async function cli(dir: string, args: readonly string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [CLI, ...args, '--data-dir', dir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'error' } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, out, err };
}

/** Credit inputs of `CLIENTS` clients; `drift` moves every feature far from the training data. */
function inputs(seed: number, drift: boolean): Record<string, unknown>[] {
  const rng = createPrng(seed);
  return Array.from({ length: CLIENTS }, (_, i) => {
    const limit = Math.round(20_000 + rng.next() * 300_000);
    return {
      clientId: `client-${i}`,
      limitBal: drift ? limit * 4 + 600_000 : limit,
      age: drift ? 70 + Math.floor(rng.next() * 10) : 22 + Math.floor(rng.next() * 40),
      pay0: drift ? 5 + Math.floor(rng.next() * 3) : Math.floor(rng.next() * 3) - 1,
      pay2: drift ? 5 + Math.floor(rng.next() * 3) : Math.floor(rng.next() * 3) - 1,
      billAmt1: drift ? limit * 3 : Math.round(rng.next() * limit * 0.8),
      payAmt1: drift ? 0 : Math.round(rng.next() * 10_000),
    };
  });
}

void describe('the ML loop: train -> gate -> champion -> drift -> retrain -> challenger -> canary -> promotion', () => {
  let dir = '';
  let platform: RunningPlatform;
  let url = '';

  const score = async (batch: Record<string, unknown>[]): Promise<Score[]> => {
    const r = await gql<{ scoreCreditBatch: Score[] }>(url, 'mutation ($in: [CreditInput!]!) { scoreCreditBatch(inputs: $in) { clientId defaultProbability model { name version alias variant } } }', { in: batch });
    assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
    return r.body.data?.scoreCreditBatch ?? [];
  };
  const aliases = async (): Promise<{ champion: string | null; challenger: string | null }> => {
    const r = await gql<{ model: { champion: { version: string } | null; challenger: { version: string } | null } }>(url, `{ model(name: "${MODEL}") { champion { version } challenger { version } } }`);
    assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
    return { champion: r.body.data?.model.champion?.version ?? null, challenger: r.body.data?.model.challenger?.version ?? null };
  };

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gofuture-e2e-ml-loop-'));
    const config = loadConfig({
      env: {},
      overrides: {
        dataDir: dir, logLevel: 'silent',
        gateway: { port: 0 },
        subgraphs: { trips: 0, payments: 0, features: 0, models: 0, metrics: 0, lake: 0 },
        connectors: { eventLog: { kind: 'memory', dir: path.join(dir, 'event-log') }, warehouse: { kind: 'duckdb', path: path.join(dir, 'warehouse.duckdb') } },
        jobs: ['orchestrator'],
        // no cron fires during the test; small, fast training runs
        pipeline: { scheduler: false, ml: { folds: 2, creditRows: 3000 } },
        models: { registry: 'models/registry.json', serving: { traffic: { [MODEL]: { mode: 'canary', canaryWeight: 0.5 } }, aliasPollMs: 100, predictionLog: { flushMs: 100 } } },
      },
    });
    platform = await startPlatform(config, pino({ level: 'silent' }), new Registry());
    url = platform.gatewayUrl;
  });

  after(async () => {
    await platform?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  void it('runs the loop through the CLI, the DAG runner and GraphQL', { timeout: 240_000 }, async () => {
    // 1. train -> gate -> champion (the committed v1 has no drift reference; v2 does)
    const csv = path.join(dir, 'UCI_Credit_Card.csv');
    await writeFile(csv, formatUciCreditCsv(generateUciCredit(createPrng(5), 3000)));
    const trained = await cli(dir, ['train', MODEL, '--data', csv, '--folds', '2', '--alias', 'champion']);
    assert.equal(trained.code, 0, trained.err);
    assert.match(trained.out, /^gate: passed$/m);
    const champion = /^registered credit_default version (\d+) \(file registry\) aliases champion$/m.exec(trained.out)?.[1];
    assert.ok(champion, trained.out);
    assert.deepEqual(await aliases(), { champion, challenger: null });
    const before = await eventually('serving to answer with the new champion', 30_000, async () => {
      const s = await score(inputs(1, false));
      return s.every((p) => p.model.version === champion) ? s : undefined;
    });
    assert.ok(before.every((p) => p.model.alias === 'champion' && p.model.variant === 'CHAMPION'), 'no challenger yet: the canary policy answers with the champion');

    // 2. injected drift: the day's traffic moves away from the training data
    for (let seed = 2; seed < 7; seed++) await score(inputs(seed, true));

    // 3. the daily drift DAG through the gateway: drift found -> retrain -> validate -> gate -> register -> canary
    const run = await gql<{ runPipeline: { dag: string; logicalDate: string } }>(url, `mutation { runPipeline(dag: "drift_check_${MODEL}") { dag logicalDate } }`);
    assert.equal(run.body.errors, undefined, JSON.stringify(run.body.errors));
    const day = run.body.data?.runPipeline.logicalDate;
    assert.ok(day);
    const tasks = await eventually('the drift DAG to finish', 180_000, async () => {
      const r = await gql<{ pipelineRuns: { task: string; state: string; error: string | null }[] }>(url, `{ pipelineRuns(dag: "drift_check_${MODEL}", logicalDate: "${day}") { task state error } }`);
      const t = r.body.data?.pipelineRuns ?? [];
      if (t.some((x) => x.state === 'FAILED')) assert.fail(`drift DAG failed: ${JSON.stringify(t)}`);
      return t.length === 6 && t.every((x) => x.state === 'SUCCEEDED') ? t : undefined;
    }, 250);
    assert.deepEqual(tasks.map((t) => t.task).sort(), ['canary', 'drift_check', 'gate', 'register', 'retrain', 'validate']);
    const reports = await gql<{ driftReports: { modelVersion: string; logicalDate: string; windowSource: string; datasetDrift: boolean; driftedColumns: number; columnCount: number }[] }>(url, `{ driftReports(model: "${MODEL}", last: 5) { modelVersion logicalDate windowSource datasetDrift driftedColumns columnCount } }`);
    assert.equal(reports.body.errors, undefined, JSON.stringify(reports.body.errors));
    const report = reports.body.data?.driftReports[0];
    assert.ok(report, 'a drift report in the lake');
    assert.equal(report.modelVersion, champion);
    assert.equal(report.logicalDate, day);
    assert.equal(report.windowSource, 'prediction_log');
    assert.equal(report.datasetDrift, true, JSON.stringify(report));
    const after1 = await aliases();
    assert.equal(after1.champion, champion, 'the champion stays until promoted');
    const challenger = after1.challenger;
    assert.ok(challenger && Number(challenger) > Number(champion), `a new challenger version (${String(challenger)})`);
    const tags = await gql<{ modelVersion: { tags: { key: string; value: string }[]; stage: string } }>(url, `{ modelVersion(name: "${MODEL}", version: "${challenger}") { stage tags { key value } } }`);
    const tag = new Map((tags.body.data?.modelVersion.tags ?? []).map((t) => [t.key, t.value]));
    assert.equal(tag.get('trigger'), 'drift');
    assert.equal(tag.get('retrain_run'), `drift_check_${MODEL}/${day}`);
    assert.equal(tags.body.data?.modelVersion.stage, 'STAGING');

    // 4. canary: half the clients (by a sticky hash of the client id) answered by the challenger
    const split = await eventually('serving to send canary traffic to the challenger', 30_000, async () => {
      const s = await score(inputs(1, false));
      return s.some((p) => p.model.variant === 'CANARY') ? s : undefined;
    });
    const canary = split.filter((p) => p.model.variant === 'CANARY');
    const champ = split.filter((p) => p.model.variant === 'CHAMPION');
    assert.ok(canary.every((p) => p.model.version === challenger && p.model.alias === 'challenger'));
    assert.ok(champ.every((p) => p.model.version === champion && p.model.alias === 'champion'));
    assert.ok(canary.length > CLIENTS * 0.3 && champ.length > CLIENTS * 0.3, `a split near the 0.5 weight: ${canary.length} canary / ${champ.length} champion`);
    const again = await score(inputs(1, false));
    assert.deepEqual(again.map((p) => `${p.clientId}:${p.model.variant}`), split.map((p) => `${p.clientId}:${p.model.variant}`), 'sticky by client id');

    // 5. promotion through the gate: a version failing it is refused, the challenger passes
    const promoted = await gql<{ promoteModel: { version: string; aliases: string[]; stage: string } }>(url, `mutation { promoteModel(name: "${MODEL}", version: "${challenger}", alias: "champion") { version aliases stage } }`);
    assert.equal(promoted.body.errors, undefined, JSON.stringify(promoted.body.errors));
    assert.equal(promoted.body.data?.promoteModel.stage, 'PRODUCTION');
    assert.ok(promoted.body.data?.promoteModel.aliases.includes('champion'));
    assert.equal((await aliases()).champion, challenger);
    await eventually('serving to answer with the promoted champion', 30_000, async () => {
      const s = await score(inputs(1, false));
      return s.filter((p) => p.model.variant === 'CHAMPION').every((p) => p.model.version === challenger) ? true : undefined;
    });
  });
});
