/**
 * ModelRuntime on onnxruntime-node. One InferenceSession per (name, version), created from the
 * file's bytes. run() validates the rows, then joins the model's micro-batcher: calls arriving
 * within a short window (`batchWindowMs`, default 2 ms, from any request; flushed early at
 * `batchMaxRows`) and while a run is in flight become one session.run on a float32 [batch, F]
 * tensor, so many concurrent callers cost few inferences.
 */
import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import type { Logger } from 'pino';
import { z } from 'zod';
import { validateConfig } from '../../schema/config-validation.ts';
import { errorMessage, PlatformError } from '../../schema/errors.ts';
import type { ConnectorContext, HealthReport } from '../contracts/connector.ts';
import type { ModelCard, ModelOutputs, ModelRuntime } from '../contracts/model-runtime.ts';
import { counter, histogram, histogramOf } from '../support/metrics.ts';
import { METRICS } from '../../schema/operations/metric-names.ts';
import { MicroBatcher } from './micro-batcher.ts';

export const onnxModelRuntimeConfigSchema = z.object({
  /** Threads of one inference; default 1 (the models are small, batches are the parallelism). */
  intraOpNumThreads: z.number().int().min(1).max(64).optional(),
  /** Cross-request batching: how long the first queued call waits for others, in ms (0: one event-loop turn). */
  batchWindowMs: z.number().min(0).max(100).optional(),
  /** Rows one coalesced session.run takes at most; reaching it flushes at once (a single bigger call runs alone, unsplit). */
  batchMaxRows: z.number().int().min(1).max(65_536).optional(),
}).strict();

export type OnnxModelRuntimeConfig = z.output<typeof onnxModelRuntimeConfigSchema>;

export const INPUT_NAME = 'features';
/** Defaults of the cross-request batching window (docs/decisions/0019-serving.md). */
export const DEFAULT_BATCH_WINDOW_MS = 2;
export const DEFAULT_BATCH_MAX_ROWS = 1024;

type Row = readonly number[];

interface LoadedModel {
  readonly card: ModelCard;
  readonly file: string;
  readonly session: ort.InferenceSession;
  readonly batcher: MicroBatcher<Row, ModelOutputs>;
}

const key = (name: string, version: string): string => `${name}@${version}`;

export class OnnxModelRuntime implements ModelRuntime {
  readonly capability = 'modelRuntime' as const;
  readonly kind = 'onnx';
  readonly features: ReadonlySet<string> = new Set<string>();

  readonly #config: OnnxModelRuntimeConfig;
  readonly #log: Logger;
  readonly #models = new Map<string, LoadedModel>();
  readonly #metrics;
  #started = false;
  #closing: Promise<void> | null = null;

  constructor(config: OnnxModelRuntimeConfig, ctx: ConnectorContext) {
    this.#config = config;
    this.#log = ctx.logger.child({ connector: 'modelRuntime/onnx' });
    this.#metrics = {
      inferences: counter(ctx.metrics, 'gofuture_model_inferences_total', 'Rows the model runtime predicted, by model', ['model']),
      failures: counter(ctx.metrics, 'gofuture_model_inference_failures_total', 'Session runs that failed, by model', ['model']),
      // per model version: the PredictionLatencyHigh rule and canaries compare versions (schema/operations/metric-names.ts)
      seconds: histogramOf(ctx.metrics, METRICS.predictionLatency),
      batchSize: histogram(ctx.metrics, 'gofuture_model_batch_size', 'Rows per session.run after micro-batching', ['model'], [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 8192]),
    };
  }

  start(): Promise<void> {
    if (this.#closing) return Promise.reject(new PlatformError('CONNECTOR_NOT_STARTED', 'modelRuntime/onnx is closed'));
    this.#started = true;
    return Promise.resolve();
  }

  health(): Promise<HealthReport> {
    if (!this.#started || this.#closing) return Promise.resolve({ ok: false, detail: this.#closing ? 'closed' : 'not started' });
    const names = [...this.#models.keys()];
    return Promise.resolve({ ok: true, detail: `onnxruntime-node, ${names.length} model(s) loaded${names.length ? `: ${names.join(', ')}` : ''}` });
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      const models = [...this.#models.values()];
      this.#models.clear();
      await Promise.all(models.map((m) => this.#retire(m)));
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async load(card: ModelCard, onnxPath: string): Promise<void> {
    this.#requireOpen();
    const session = await this.#createSession(card, onnxPath);
    const loaded: LoadedModel = {
      card,
      file: onnxPath,
      session,
      batcher: new MicroBatcher<Row, ModelOutputs>((rows) => this.#infer(card, session, rows), {
        maxItems: this.#config.batchMaxRows ?? DEFAULT_BATCH_MAX_ROWS,
        windowMs: this.#config.batchWindowMs ?? DEFAULT_BATCH_WINDOW_MS,
      }),
    };
    const k = key(card.name, card.version);
    const previous = this.#models.get(k);
    this.#models.set(k, loaded);
    if (previous) await this.#retire(previous);
    this.#log.info({ model: card.name, version: card.version, file: onnxPath, reloaded: Boolean(previous) }, 'model loaded');
  }

  async unload(name: string, version: string): Promise<void> {
    const k = key(name, version);
    const m = this.#models.get(k);
    if (!m) return;
    this.#models.delete(k);
    await this.#retire(m);
  }

  loaded(): readonly ModelCard[] {
    return [...this.#models.values()].map((m) => m.card);
  }

  async run(name: string, version: string, rows: readonly Row[]): Promise<ModelOutputs[]> {
    this.#requireOpen();
    const m = this.#models.get(key(name, version));
    if (!m) throw new PlatformError('MODEL_NOT_FOUND', `model ${name} version ${version} is not loaded`, { model: name, version });
    validateRows(m.card, rows);
    if (rows.length === 0) return [];
    return m.batcher.submit(rows);
  }

  #requireOpen(): void {
    if (this.#closing) throw new PlatformError('CONNECTOR_NOT_STARTED', 'modelRuntime/onnx is closed');
    if (!this.#started) throw new PlatformError('CONNECTOR_NOT_STARTED', 'modelRuntime/onnx is not started');
  }

  /** Lets queued and running batches of a replaced/unloaded model finish, then frees its session. */
  async #retire(m: LoadedModel): Promise<void> {
    await m.batcher.drain();
    await m.session.release().catch((e: unknown) => this.#log.warn({ err: e, model: m.card.name }, 'session release failed'));
  }

  async #createSession(card: ModelCard, file: string): Promise<ort.InferenceSession> {
    const fail = (why: string, cause?: unknown): PlatformError =>
      new PlatformError('MODEL_RUN_FAILED', `model ${card.name} version ${card.version}: cannot load ${file}: ${why}`, { model: card.name, version: card.version, file }, { cause });
    let session: ort.InferenceSession;
    try {
      const bytes = await readFile(file);
      session = await ort.InferenceSession.create(bytes, {
        intraOpNumThreads: this.#config.intraOpNumThreads ?? 1,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
      });
    } catch (e) {
      throw fail(errorMessage(e), e);
    }
    const problem = checkSignature(card, session);
    if (problem) {
      await session.release().catch(() => undefined);
      throw fail(problem);
    }
    return session;
  }

  async #infer(card: ModelCard, session: ort.InferenceSession, rows: readonly Row[]): Promise<ModelOutputs[]> {
    const width = card.featureNames.length;
    const data = new Float32Array(rows.length * width);
    rows.forEach((r, i) => data.set(r, i * width));
    const labels = { model: card.name };
    const stop = this.#metrics.seconds.startTimer({ model: card.name, version: card.version });
    let results: ort.InferenceSession.ReturnType;
    try {
      results = await session.run({ [INPUT_NAME]: new ort.Tensor('float32', data, [rows.length, width]) });
    } catch (e) {
      this.#metrics.failures.inc(labels);
      throw new PlatformError('MODEL_RUN_FAILED', `model ${card.name} version ${card.version} failed to run: ${errorMessage(e)}`, { model: card.name, version: card.version }, { cause: e });
    } finally {
      stop();
    }
    this.#metrics.batchSize.observe(labels, rows.length);
    this.#metrics.inferences.inc(labels, rows.length);
    return splitOutputs(card, results, rows.length);
  }
}

function checkSignature(card: ModelCard, session: ort.InferenceSession): string | null {
  if (!session.inputNames.includes(INPUT_NAME)) return `no input named "${INPUT_NAME}" (inputs: ${session.inputNames.join(', ')})`;
  const meta = session.inputMetadata.find((m) => m.name === INPUT_NAME);
  if (meta?.isTensor) {
    if (meta.type !== 'float32') return `input "${INPUT_NAME}" is ${meta.type}, expected float32`;
    const width = meta.shape[1];
    if (typeof width === 'number' && width !== card.featureNames.length) return `input width ${width} but the card names ${card.featureNames.length} features`;
  }
  const missing = card.outputNames.filter((o) => !session.outputNames.includes(o));
  if (missing.length > 0) return `missing output(s) ${missing.join(', ')} (outputs: ${session.outputNames.join(', ')})`;
  return null;
}

function validateRows(card: ModelCard, rows: readonly Row[]): void {
  const width = card.featureNames.length;
  rows.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== width) {
      throw new PlatformError('MODEL_INPUT_INVALID', `model ${card.name}: row ${i} has ${Array.isArray(row) ? row.length : 'no'} values, expected ${width} (${card.featureNames.join(', ')})`, { model: card.name, row: i });
    }
    for (let j = 0; j < width; j++) {
      const v = row[j];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new PlatformError('MODEL_INPUT_INVALID', `model ${card.name}: row ${i} feature ${card.featureNames[j]} is ${String(v)}, expected a finite number`, { model: card.name, row: i, feature: card.featureNames[j] });
      }
    }
  });
}

function splitOutputs(card: ModelCard, results: ort.InferenceSession.ReturnType, n: number): ModelOutputs[] {
  const columns = card.outputNames.map((name) => {
    const t = results[name];
    if (!t || !(t.data instanceof Float32Array)) {
      throw new PlatformError('MODEL_RUN_FAILED', `model ${card.name} version ${card.version}: output ${name} missing or not float32`, { model: card.name, output: name });
    }
    const k = n === 0 ? 1 : t.data.length / n;
    return { name, data: t.data, k };
  });
  const out: ModelOutputs[] = [];
  for (let i = 0; i < n; i++) {
    const row: Record<string, number[]> = {};
    for (const c of columns) row[c.name] = Array.from(c.data.subarray(i * c.k, (i + 1) * c.k));
    out.push(row);
  }
  return out;
}

/** Builds the ONNX runtime from its config (validated here too, so direct callers get checks). */
export function createOnnxModelRuntime(config: z.input<typeof onnxModelRuntimeConfigSchema>, ctx: ConnectorContext): OnnxModelRuntime {
  return new OnnxModelRuntime(validateConfig(onnxModelRuntimeConfigSchema, config, 'connectors.modelRuntime'), ctx);
}

