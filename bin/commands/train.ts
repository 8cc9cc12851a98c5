/**
 * `gofuture train <model> [--candidates linear,random_forest,gradient_boosting] [--folds N]
 * [--data FILE] [--features serving|full] [--alias NAME] [--out DIR]`: cross-validates the
 * candidates, picks the best, exports ONNX and registers a version through the configured
 * ModelVersionRegistry (train-registry.ts). A progress bar on a TTY, plain lines otherwise.
 * `--data` is a real UCI credit CSV for credit_default (validated; TRAINING_DATA_INVALID on bad input).
 * `--lake [--date D] [--lookback-days N]`: the model's set from the lake (point-in-time retrieval,
 * jobs/training/platform-training-data.ts; fraud, demand, surge), labels of N days up to the end of D.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { register as defaultRegistry } from 'prom-client';
import { PlatformError } from '../../schema/errors.ts';
import { CANDIDATE_SPECS, candidateSpec } from '../../jobs/training/candidate-specs.ts';
import { parseCandidateKind, type CandidateKind } from '../../jobs/training/candidates.ts';
import { loadUciCreditCsv } from '../../jobs/training/datasets/credit-csv.ts';
import { uciCreditDataset, type CreditFeatureSet } from '../../jobs/training/datasets/credit-uci.ts';
import type { Dataset } from '../../jobs/training/datasets/dataset.ts';
import { trainAndRegister, type TrainProgress } from '../../jobs/training/train-candidates.ts';
import { codeVersion } from '../code-version.ts';
import { loadConfig, type PlatformConfig } from '../config.ts';
import { openModelBackend } from '../pipeline.ts';
import { backendOfflineSource } from '../../jobs/features/offline/index.ts';
import { checkDate, dateIn } from '../../jobs/orchestrator/dag.ts';
import { platformTrainingData } from '../../jobs/training/platform-training-data.ts';
import { NonRetryableTaskError } from '../../connectors/contracts/task-queue.ts';
import { createLogger } from '../logger.ts';
import { openModelVersionRegistry } from '../model-version-registry.ts';

const options = {
  profile: { type: 'string' }, config: { type: 'string' }, 'data-dir': { type: 'string' },
  candidates: { type: 'string' }, folds: { type: 'string' }, data: { type: 'string' }, features: { type: 'string' },
  alias: { type: 'string' }, out: { type: 'string' }, lake: { type: 'boolean' }, date: { type: 'string' }, 'lookback-days': { type: 'string' },
} as const;

const out = (line: string): void => void process.stdout.write(`${line}\n`);

function parseCandidates(v: string | undefined): CandidateKind[] | undefined {
  if (v === undefined) return undefined;
  return v.split(',').filter((s) => s.trim() !== '').map((s) => {
    const k = parseCandidateKind(s);
    if (!k) throw new Error(`--candidates: unknown candidate "${s}" (linear, random_forest, gradient_boosting)`);
    return k;
  });
}

function parseFolds(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 2 || n > 20) throw new Error(`--folds must be an integer in [2, 20], got "${v}"`);
  return n;
}

async function givenData(model: string, file: string | undefined, features: string | undefined): Promise<Dataset | undefined> {
  if (features !== undefined && features !== 'serving' && features !== 'full') throw new Error(`--features must be serving or full, got "${features}"`);
  if (file === undefined) return undefined;
  if (model !== 'credit_default') throw new PlatformError('TRAINING_DATA_INVALID', `--data is a UCI credit CSV; ${model} trains on its own set`, { reason: `--data is only for credit_default`, model });
  return uciCreditDataset(await loadUciCreditCsv(file), (features ?? 'serving') as CreditFeatureSet);
}

/** `--lake`: the model's training set from the lake by point-in-time retrieval, as of `--date` (default today, UTC). */
async function lakeData(config: Readonly<PlatformConfig>, model: string, date: string | undefined, lookback: string | undefined): Promise<Dataset> {
  const days = lookback === undefined ? 30 : Number(lookback);
  if (!Number.isInteger(days) || days < 1) throw new Error(`--lookback-days must be a positive integer, got "${lookback ?? ''}"`);
  const day = date === undefined ? dateIn('UTC') : checkDate(date, '--date');
  // the lake's surge set (PLATFORM_SURGE_FEATURES) is not the vector serving builds for predictSurge
  if (model === 'surge_multiplier') throw new PlatformError('TRAINING_DATA_INVALID', 'surge_multiplier: the lake set lacks the served features (demand_supply_ratio, recent_cancellation_rate); train it on its synthetic set', { reason: 'the lake surge set lacks the served features', model });
  const opened = await openModelBackend(config, createLogger(config.logLevel), defaultRegistry);
  try {
    const d = await platformTrainingData({ source: backendOfflineSource(opened.backend), data: { [model]: 'lake' }, lookbackDays: days }).dataset(model, day);
    if (d.x.length === 0) throw new PlatformError('TRAINING_DATA_INVALID', `no labelled rows of ${model} in the lake up to ${day} (run the simulator and daily_etl first)`, { reason: `no labelled rows of ${model} in the lake up to ${day}`, model });
    out(`${model}: ${d.x.length} rows from the lake (${d.lineage?.tables.map((t) => `${t.name}@${t.version}`).join(', ') ?? ''})`);
    return d;
  } catch (e) {
    if (e instanceof NonRetryableTaskError) throw new PlatformError('TRAINING_DATA_INVALID', e.message, { reason: e.message, model });
    throw e;
  } finally {
    await opened.close();
  }
}

function reporter(model: string): { onProgress: (p: TrainProgress) => void; stop: () => void } {
  if (process.stdout.isTTY === true) {
    const bar = new cliProgress.SingleBar({ format: `${model} [{bar}] {value}/{total} {phase} {candidate}`, hideCursor: true }, cliProgress.Presets.shades_classic);
    let started = false;
    return {
      onProgress: (p) => {
        const payload = { phase: p.phase, candidate: `${p.candidate ?? ''}${p.fold ? ` fold ${p.fold}` : ''}` };
        if (!started) {
          bar.start(p.total, 0, payload);
          started = true;
        }
        bar.update(p.step, payload);
      },
      stop: () => {
        if (started) bar.stop();
      },
    };
  }
  return {
    onProgress: (p) => out(`${model} ${p.step}/${p.total} ${p.phase}${p.candidate ? ` ${p.candidate}` : ''}${p.fold ? ` fold ${p.fold}` : ''}`),
    stop: () => undefined,
  };
}

const fmt = (m: Readonly<Record<string, number>>): string => Object.entries(m).map(([k, v]) => `${k}=${v}`).join(' ');

export async function run(argv: readonly string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  const model = positionals[0];
  const names = CANDIDATE_SPECS.map((s) => s.name).join(', ');
  if (model === undefined || positionals.length > 1) throw new Error(`usage: gofuture train <model> [--candidates ...] [--folds N] [--data FILE] [--out DIR] (models: ${names})`);
  const spec = candidateSpec(model);
  if (!spec) throw new PlatformError('MODEL_NOT_FOUND', `no model ${model} to train (models: ${names})`, { model });
  const candidates = parseCandidates(values.candidates);
  const folds = parseFolds(values.folds);
  if (values.lake && values.data) throw new Error('--lake and --data are exclusive');
  const config = loadConfig({
    ...(values.profile ? { profile: values.profile } : {}),
    ...(values.config ? { file: values.config } : {}),
    overrides: values['data-dir'] ? { dataDir: values['data-dir'] } : {},
  });
  const data = values.lake ? await lakeData(config, model, values.date, values['lookback-days']) : await givenData(model, values.data, values.features);
  // the configured registry (file under the data dir, or MLflow in services), started and seeded
  const registry = await openModelVersionRegistry(config, { logger: createLogger(config.logLevel).child({ connector: 'modelVersionRegistry' }), metrics: defaultRegistry });
  const progress = reporter(model);
  try {
    const { run: r, info } = await trainAndRegister(registry, spec, {
      ...(candidates ? { candidates } : {}),
      ...(folds ? { folds } : {}),
      ...(data ? { data, dataSource: values.lake ? 'lake' : `csv:${values.data}` } : {}),
      ...(values.alias ? { alias: values.alias } : {}),
      codeVersion: codeVersion(),
      onProgress: progress.onProgress,
    });
    progress.stop();
    for (const c of r.cv) out(`cv ${c.kind}: ${c.metric} ${c.mean.toFixed(4)} ± ${c.std.toFixed(4)} (${r.cvStrategy}, folds ${c.scores.map((s) => s.toFixed(4)).join(' ')})`);
    out(`chosen: ${r.chosen.flavor}`);
    out(`test: ${fmt(r.metrics)}`);
    out(`baselines: ${fmt(r.baselines)}`);
    out(r.baselineFailures.length === 0 ? 'beats every baseline' : `does not beat: ${r.baselineFailures.join('; ')}`);
    out(r.gate.passed ? 'gate: passed' : `gate: failed: ${r.gate.failures.join('; ')}`);
    out(`registered ${info.name} version ${info.version} (${registry.kind} registry)${info.aliases.length ? ` aliases ${info.aliases.join(',')}` : ''}`);
    if (values.out) {
      const dir = join(values.out, info.name, info.version);
      await mkdir(dir, { recursive: true });
      for (const [path, bytes] of Object.entries(r.version.artifacts)) await writeFile(join(dir, path), bytes);
      const { artifacts: _artifacts, ...described } = r.version;
      await writeFile(join(dir, 'version.json'), `${JSON.stringify({ ...described, version: info.version, createdAt: info.createdAt }, null, 2)}\n`);
      out(`wrote ${dir}`);
    }
  } finally {
    progress.stop();
    await registry.close();
  }
}
