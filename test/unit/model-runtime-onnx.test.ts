/** What the onnxruntime-node ModelRuntime promises beyond the contract: micro-batching, metrics, config, bounds. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { ModelRuntime } from '../../connectors/contracts/model-runtime.ts';
import { onnxModelRuntimeFactory } from '../../connectors/onnx/index.ts';
import { createOnnxModelRuntime } from '../../connectors/onnx/onnx-model-runtime.ts';
import { ConnectorRegistry } from '../../connectors/registry.ts';
import { withCode } from '../conformance/helpers.ts';
import { committedCard, modelPath, SAMPLE_ROWS } from '../conformance/model-runtime.suite.ts';

const root = mkdtempSync(join(tmpdir(), 'gofuture-onnx-'));
after(() => rmSync(root, { recursive: true, force: true }));

const logger = pino({ level: 'silent' });

async function runtimeWith(names: readonly string[], metrics = new Registry()): Promise<ModelRuntime> {
  const rt = createOnnxModelRuntime({}, { logger, metrics });
  await rt.start();
  for (const n of names) {
    const card = committedCard(n);
    await rt.load(card, modelPath(card));
  }
  return rt;
}

async function metricValue(metrics: Registry, name: string, suffix = ''): Promise<number> {
  const m = metrics.getSingleMetric(name);
  assert.ok(m, `metric ${name} registered`);
  const v = (await m.get()).values.find((x) => ((x as { metricName?: string }).metricName ?? name) === `${name}${suffix}`);
  return v?.value ?? 0;
}

void describe('onnx model runtime', () => {
  void it('surge_multiplier stays within [1, 3] even for extreme inputs', async () => {
    await using rt = await runtimeWith(['surge_multiplier']);
    const rows: number[][] = [];
    for (const ratio of [0, 0.01, 1, 5, 50, 1e4, 1e9, -1e9]) {
      for (const hour of [0, 6, 18]) {
        for (const weather of [[0, 0], [1, 0], [0, 1]]) {
          for (const cancel of [0, 0.5, 1, 1e6, -1e6]) {
            const a = (2 * Math.PI * hour) / 24;
            rows.push([ratio, Math.sin(a), Math.cos(a), hour === 0 ? 1 : 0, weather[0] ?? 0, weather[1] ?? 0, cancel]);
          }
        }
      }
    }
    const out = await rt.run('surge_multiplier', '1', rows);
    const values = out.map((o) => o.multiplier?.[0] ?? NaN);
    for (const v of values) assert.ok(v >= 1 && v <= 3, `multiplier ${v}`);
    assert.ok(values.includes(1) && values.includes(3), 'both bounds are reached by extreme rows');
  });

  void it('coalesces 50 concurrent run() calls into fewer session runs, each caller getting its own rows', async () => {
    const metrics = new Registry();
    await using rt = await runtimeWith(['demand_forecast'], metrics);
    const rows = Array.from({ length: 50 }, (_, i) => [10 + i * 3, 12 + i * 2, 0.5, -0.8, i % 2, 0, 0]);
    const expected = (await rt.run('demand_forecast', '1', rows)).map((o) => o.trips_next_hour?.[0]);
    const runsBefore = await metricValue(metrics, 'gofuture_model_batch_size', '_count');
    assert.equal(runsBefore, 1, 'one session run for one 50-row call');

    const concurrent = await Promise.all(rows.map((r) => rt.run('demand_forecast', '1', [r])));
    assert.deepEqual(concurrent.map((o) => o[0]?.trips_next_hour?.[0]), expected);
    const runs = (await metricValue(metrics, 'gofuture_model_batch_size', '_count')) - runsBefore;
    assert.ok(runs >= 1 && runs < 50, `50 calls took ${runs} session runs`);
    assert.equal(await metricValue(metrics, 'gofuture_model_batch_size', '_sum'), 100);
    assert.equal(await metricValue(metrics, 'gofuture_model_inferences_total'), 100);
    assert.equal(await metricValue(metrics, 'gofuture_model_inference_seconds', '_count'), 1 + runs);
    assert.match(await metrics.metrics(), /gofuture_model_inferences_total\{model="demand_forecast"\} 100/);
  });

  void it('calls arriving while a batch runs join the next batch', async () => {
    const metrics = new Registry();
    await using rt = await runtimeWith(['fraud_score'], metrics);
    const row = SAMPLE_ROWS.fraud_score ?? [];
    const waves: Promise<unknown>[] = [];
    for (let w = 0; w < 5; w++) {
      for (let i = 0; i < 40; i++) waves.push(rt.run('fraud_score', '1', [row]));
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(waves);
    const runs = await metricValue(metrics, 'gofuture_model_batch_size', '_count');
    assert.ok(runs <= 10, `200 calls in 5 waves took ${runs} session runs`);
    assert.equal(await metricValue(metrics, 'gofuture_model_inferences_total'), 200);
  });

  void it('runs a large single batch and keeps models apart', async () => {
    await using rt = await runtimeWith(['credit_default', 'fraud_score']);
    const rows = Array.from({ length: 3000 }, (_, i) => [20_000 + i * 100, 25 + (i % 40), (i % 5) - 2, (i % 4) - 1, 10_000 + i, i % 700, 0.5]);
    const [credit, fraud] = await Promise.all([rt.run('credit_default', '1', rows), rt.run('fraud_score', '1', [SAMPLE_ROWS.fraud_score ?? []])]);
    assert.equal(credit.length, 3000);
    for (const o of credit) assert.ok((o.probability?.[0] ?? -1) >= 0 && (o.probability?.[0] ?? 2) <= 1);
    assert.equal(fraud.length, 1);
  });

  void it('reloading a model while calls are in flight finishes them', async () => {
    await using rt = await runtimeWith(['surge_multiplier']);
    const card = committedCard('surge_multiplier');
    const row = SAMPLE_ROWS.surge_multiplier ?? [];
    const inflight = Array.from({ length: 20 }, () => rt.run(card.name, card.version, [row]));
    await rt.load(card, modelPath(card));
    const results = await Promise.all(inflight);
    assert.equal(new Set(results.map((r) => r[0]?.multiplier?.[0])).size, 1);
    assert.equal((await rt.run(card.name, card.version, [row])).length, 1);
  });

  void it('a truncated file or a card that does not match the graph: MODEL_RUN_FAILED naming the file', async () => {
    await using rt = await runtimeWith([]);
    const card = committedCard('fraud_score');
    const truncated = join(root, 'truncated.onnx');
    writeFileSync(truncated, readFileSync(modelPath(card)).subarray(0, 200));
    await assert.rejects(rt.load(card, truncated), (e: unknown) => withCode('MODEL_RUN_FAILED')(e) && (e as Error).message.includes(truncated));
    await assert.rejects(rt.load({ ...card, featureNames: ['only_one'] }, modelPath(card)), /input width 8 but the card names 1 features/);
    await assert.rejects(rt.load({ ...card, outputNames: ['score'] }, modelPath(card)), /missing output\(s\) score/);
    assert.deepEqual(rt.loaded(), []);
  });

  void it('validates config naming the key, and registers as modelRuntime/onnx', async () => {
    const ctx = { logger, metrics: new Registry() };
    assert.throws(() => createOnnxModelRuntime({ intraOpNumThreads: 0 }, ctx), /connectors\.modelRuntime\.intraOpNumThreads/);
    const registry = new ConnectorRegistry().register(onnxModelRuntimeFactory);
    assert.deepEqual(registry.kinds('modelRuntime'), ['onnx']);
    assert.throws(() => registry.create('modelRuntime', { kind: 'onnx', threads: 2 }, ctx, 'connectors.modelRuntime'), withCode('CONFIG_INVALID'));
    await using rt = registry.create<ModelRuntime>('modelRuntime', { kind: 'onnx', intraOpNumThreads: 2 }, ctx, 'connectors.modelRuntime');
    await rt.start();
    assert.equal(rt.kind, 'onnx');
    const card = committedCard('surge_multiplier');
    await rt.load(card, modelPath(card));
    assert.equal((await rt.run(card.name, card.version, [SAMPLE_ROWS.surge_multiplier ?? []])).length, 1);
  });
});
