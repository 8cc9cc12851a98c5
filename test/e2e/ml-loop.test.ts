/**
 * The ML loop end to end on the embedded profile, the way an ML engineer drives it (issue 9 "done
 * when"): the platform runs in this process (gateway, subgraphs, the orchestrator job with the ML
 * DAGs registered by pipeline.ml, a canary traffic policy for credit_default), and the test uses
 * only the CLI and GraphQL:
 *
 * 1. train -> gate -> champion: `gofuture train credit_default --alias champion` (a UCI-shaped CSV);
 *    serving picks the new champion up (scoreCredit answers with it, variant CHAMPION).
 * 2. a quiet day: traffic drawn like the training data; `runPipeline(drift_check_credit_default)`
 *    through the gateway finds no dataset drift on the prediction-log window and retrains nothing.
 * 3. injected drift -> retrain -> challenger: scoreCreditBatch with every input shifted (richer,
 *    older, later to pay); the day's drift DAG run again (rerun ALL) reports dataset drift
 *    (driftReports) and retrains, validates, gates and registers a new version, alias challenger.
 * 4. canary: predictions split by client id between the champion (CHAMPION) and the challenger
 *    (CANARY), sticky per client.
 * 5. promotion: a version trained on labels without signal fails its gate, and both `gofuture train
 *    --alias champion` and promoteModel refuse it (MODEL_GATE_FAILED); promoteModel(champion) of the
 *    challenger passes its gate and serving answers with it.
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
import { generateUciCredit, servingFeatures, type UciCreditRecord } from '../../jobs/training/datasets/credit-uci.ts';
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

/**
 * Credit inputs of `CLIENTS` clients drawn from the training data's generator (so they look like
 * it); `drift` moves every feature well away: richer, older, later to pay, larger bills.
 */
function inputs(seed: number, drift: boolean): Record<string, unknown>[] {
  return generateUciCredit(createPrng(seed), CLIENTS).map((r, i) => {
    const [limitBal = 1, age = 30, pay0 = 0, pay2 = 0, billAmt1 = 0, payAmt1 = 0] = servingFeatures(r.values);
    const base = { clientId: `client-${i}`, limitBal, age: Math.round(age), pay0: Math.round(pay0), pay2: Math.round(pay2), billAmt1, payAmt1 };
    if (!drift) return base;
    return { ...base, limitBal: limitBal * 3 + 200_000, age: Math.min(120, base.age + 25), pay0: Math.min(9, base.pay0 + 4), pay2: Math.min(9, base.pay2 + 4), billAmt1: billAmt1 * 3 + 150_000, payAmt1: payAmt1 * 0.1 };
  });
}

/** The same records with their labels shuffled: no signal left, so a model trained on them fails its gate. */
function noSignal(seed: number, n: number): UciCreditRecord[] {
  const records = generateUciCredit(createPrng(seed), n);
  const rng = createPrng(seed + 1);
  const labels = records.map((r) => r.defaulted);
  for (let i = labels.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [labels[i], labels[j]] = [labels[j] ?? false, labels[i] ?? false];
  }
  return records.map((r, i) => ({ values: r.values, defaulted: labels[i] ?? false }));
}

void describe('the ML loop: train -> gate -> champion -> drift -> retrain -> challenger -> canary -> promotion', () => {
  let dir = '';
  let platform: RunningPlatform;
  let url = '';

  let scored = 0;
  const score = async (batch: Record<string, unknown>[]): Promise<Score[]> => {
    scored += batch.length;
    const r = await gql<{ scoreCreditBatch: Score[] }>(url, 'mutation ($in: [CreditInput!]!) { scoreCreditBatch(inputs: $in) { clientId defaultProbability model { name version alias variant } } }', { in: batch });
    assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
    return r.body.data?.scoreCreditBatch ?? [];
  };
  const aliases = async (): Promise<{ champion: string | null; challenger: string | null }> => {
    const r = await gql<{ model: { champion: { version: string } | null; challenger: { version: string } | null } }>(url, `{ model(name: "${MODEL}") { champion { version } challenger { version } } }`);
    assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
    return { champion: r.body.data?.model.champion?.version ?? null, challenger: r.body.data?.model.challenger?.version ?? null };
  };

  /** Every prediction made so far is in the lake's prediction log (the writer flushes every 100 ms). */
  const logged = (): Promise<number> => eventually('the prediction log to hold every prediction', 30_000, async () => {
    const r = await gql<{ lakeTable: { rows: number } | null }>(url, '{ lakeTable(name: "ml.prediction_log", historyLast: 1) { rows } }');
    const rows = r.body.data?.lakeTable?.rows ?? 0;
    return rows >= scored ? rows : undefined;
  }, 100);
  /** runPipeline through the gateway and its six tasks once they all succeeded. */
  const runDrift = async (rerun: string): Promise<string> => {
    const triggered = Date.now();
    const run = await gql<{ runPipeline: { dag: string; logicalDate: string } }>(url, `mutation { runPipeline(dag: "drift_check_${MODEL}"${rerun}) { dag logicalDate } }`);
    assert.equal(run.body.errors, undefined, JSON.stringify(run.body.errors));
    const day = run.body.data?.runPipeline.logicalDate;
    assert.ok(day);
    const tasks = await eventually('the drift DAG to finish', 180_000, async () => {
      const r = await gql<{ pipelineRuns: { task: string; state: string; finishedAt: string | null; error: string | null }[] }>(url, `{ pipelineRuns(dag: "drift_check_${MODEL}", logicalDate: "${day}") { task state finishedAt error } }`);
      const t = r.body.data?.pipelineRuns ?? [];
      if (t.some((x) => x.state === 'FAILED')) assert.fail(`drift DAG failed: ${JSON.stringify(t)}`);
      const done = (x: (typeof t)[number]): boolean => x.state === 'SUCCEEDED' && x.finishedAt !== null && Date.parse(x.finishedAt) >= triggered;
      return t.length === 6 && t.every(done) ? t : undefined;
    }, 250);
    assert.deepEqual(tasks.map((t) => t.task).sort(), ['canary', 'drift_check', 'gate', 'register', 'retrain', 'validate']);
    return day;
  };
  type Report = { modelVersion: string; logicalDate: string; windowSource: string; datasetDrift: boolean; driftedColumns: number; columnCount: number };
  const latestReport = async (): Promise<Report | undefined> => {
    const r = await gql<{ driftReports: Report[] }>(url, `{ driftReports(model: "${MODEL}", last: 5) { modelVersion logicalDate windowSource datasetDrift driftedColumns columnCount } }`);
    assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
    return r.body.data?.driftReports[0];
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

    // a quiet day first: traffic like the training data, the drift DAG finds no drift and retrains nothing
    for (let seed = 2; seed < 8; seed++) await score(inputs(seed, false));
    await logged();
    const day = await runDrift('');
    const quiet = await latestReport();
    assert.ok(quiet, 'a drift report in the lake');
    assert.deepEqual({ ...quiet, driftedColumns: 0 }, { modelVersion: champion, logicalDate: day, windowSource: 'prediction_log', datasetDrift: false, driftedColumns: 0, columnCount: 7 });
    assert.ok(quiet.driftedColumns < 4, JSON.stringify(quiet));
    assert.deepEqual(await aliases(), { champion, challenger: null }, 'no drift: no retraining');

    // 2. injected drift: the day's traffic moves away from the training data
    for (let seed = 10; seed < 22; seed++) await score(inputs(seed, true));
    await logged();

    // 3. the daily drift DAG again (Airflow's clear) through the gateway: drift -> retrain -> validate -> gate -> register -> canary
    assert.equal(await runDrift(', rerun: ALL'), day);
    const report = await latestReport();
    assert.ok(report);
    assert.equal(report.modelVersion, champion);
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

    // 5. promotion through the gate: a version that fails it is refused (the CLI's --alias champion and
    // promoteModel alike), the challenger passes
    const bad = path.join(dir, 'no-signal.csv');
    await writeFile(bad, formatUciCreditCsv(noSignal(7, 2000)));
    const refused = await cli(dir, ['train', MODEL, '--data', bad, '--folds', '2', '--alias', 'champion']);
    assert.equal(refused.code, 1, refused.out);
    assert.match(refused.err, /MODEL_GATE_FAILED/);
    const versions = await gql<{ model: { versions: { version: string; aliases: string[] }[] } }>(url, `{ model(name: "${MODEL}") { versions { version aliases } } }`);
    const failing = versions.body.data?.model.versions.at(-1)?.version;
    assert.ok(failing && Number(failing) > Number(challenger), 'the failing version is registered, without the alias');
    const no = await gql(url, `mutation { promoteModel(name: "${MODEL}", version: "${failing}", alias: "champion") { version } }`);
    assert.equal(no.body.errors?.[0]?.extensions?.code, 'MODEL_GATE_FAILED', JSON.stringify(no.body));
    assert.equal((await aliases()).champion, champion, 'the champion stays where it was');
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
