/**
 * scoreFraud returns the seed 001 rule assessment and the model's probability side by side, and the
 * rules part equals what the payments landing stores and `Payment.fraud` serves for the same payment
 * (jobs/landing/payment-fold.ts scorePayment), over a grid of inputs.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import type { ModelRegistry } from '../../connectors/contracts/model-registry.ts';
import type { ModelRuntime } from '../../connectors/contracts/model-runtime.ts';
import { loadModelRegistry } from '../../connectors/onnx/file-model-registry.ts';
import { createOnnxModelRuntime } from '../../connectors/onnx/onnx-model-runtime.ts';
import { scorePayment } from '../../jobs/landing/payment-fold.ts';
import type { DomainEventOf } from '../../schema/events/domain-events.ts';
import type { SubgraphServer } from '../../subgraphs/common/index.ts';
import { startModelsSubgraph } from '../../subgraphs/models/index.ts';
import { MODELS_DIR } from '../conformance/model-runtime.suite.ts';
import { seededVersions } from './model-versions-fixture.ts';
import { gqlData, silent } from './subgraph-fixtures.ts';

const NOW = Date.UTC(2024, 4, 1, 15);
let runtime: ModelRuntime;
let registry: ModelRegistry;
let server: SubgraphServer;

before(async () => {
  runtime = createOnnxModelRuntime({}, { logger: silent, metrics: new Registry() });
  await runtime.start();
  registry = await loadModelRegistry(join(MODELS_DIR, 'registry.json'));
  server = await startModelsSubgraph({ modelRuntime: runtime, registry, versions: await seededVersions(registry), logger: silent, port: 0, now: () => NOW });
});
after(async () => {
  await server.close();
  await runtime.close();
});

interface Input {
  paymentId: string;
  amount: number;
  method: 'CARD' | 'CASH' | 'WALLET' | 'CRYPTO';
  regionId: string;
  at: string;
  knownFraudFlag: boolean;
  paymentsLast30Min: number;
}
interface Scored {
  paymentId: string;
  rules: { points: number; score: number; riskLevel: string; reasons: string[] };
  probability: number;
  predictedFraud: boolean;
  threshold: number;
  score: number;
  riskLevel: string;
  model: { name: string; version: string };
}

const BATCH = `mutation($inputs: [FraudInput!]!) { scoreFraudBatch(inputs: $inputs) {
  paymentId rules { points score riskLevel reasons } probability predictedFraud threshold score riskLevel model { name version } } }`;

/** The grid: amounts around the 5000 rule, every method, a normal and a high-risk region, weekday day / weekend night, flag, velocity. */
function grid(): Input[] {
  const out: Input[] = [];
  // 2024-05-01 is a Wednesday; 2024-05-04 20:30Z is Saturday 23:30 in Moscow and Sunday 03:30 in Novosibirsk
  const times = ['2024-05-01T07:00:00Z', '2024-05-04T20:30:00Z', '2024-05-05T23:59:00Z'];
  for (const amount of [450, 5000, 5000.01, 12_000])
    for (const method of ['CARD', 'CASH', 'WALLET', 'CRYPTO'] as const)
      for (const regionId of ['msk-center', 'nsk'])
        for (const at of times)
          for (const knownFraudFlag of [false, true])
            for (const paymentsLast30Min of [1, 6]) out.push({ paymentId: `p${out.length}`, amount, method, regionId, at, knownFraudFlag, paymentsLast30Min });
  return out;
}

function landed(i: Input): ReturnType<typeof scorePayment> {
  const event: DomainEventOf<'PaymentInitiated'> = {
    event_id: `e-${i.paymentId}`, occurred_at: Date.parse(i.at), producer: 'payment-service', schema_version: 1, event_type: 'PaymentInitiated',
    data: {
      payment_id: i.paymentId, booking_id: `b-${i.paymentId}`, user_id: 'u1', region_id: i.regionId, amount: i.amount, currency: 'RUB',
      method: i.method.toLowerCase() as 'card' | 'cash' | 'wallet' | 'crypto', device_id: 'dev-1', known_fraud_flag: i.knownFraudFlag,
    },
  };
  return scorePayment(event, i.paymentsLast30Min);
}

void describe('scoreFraud: rules and model side by side', () => {
  void it('the rules part equals the landing assessment behind Payment.fraud on every grid input', async () => {
    const inputs = grid();
    const { scoreFraudBatch } = await gqlData<{ scoreFraudBatch: Scored[] }>(server.url, BATCH, { inputs });
    assert.equal(scoreFraudBatch.length, inputs.length);
    const levels = new Set<string>();
    inputs.forEach((input, i) => {
      const got = scoreFraudBatch[i];
      assert.ok(got);
      const want = landed(input);
      const where = JSON.stringify(input);
      assert.deepEqual(got.rules, { points: want.points, score: want.score, riskLevel: want.riskLevel, reasons: [...want.reasons] }, where);
      assert.equal(got.riskLevel, want.riskLevel, `deprecated riskLevel is the rules' level: ${where}`);
      levels.add(want.riskLevel);
    });
    assert.deepEqual([...levels].sort(), ['CRITICAL', 'HIGH', 'LOW', 'MEDIUM', 'MINIMAL'], 'the grid reaches every level');
  });

  void it('the model part is a probability decided at the card threshold, apart from the rules', async () => {
    const inputs = grid();
    const { scoreFraudBatch } = await gqlData<{ scoreFraudBatch: Scored[] }>(server.url, BATCH, { inputs });
    const card = registry.production('fraud_score');
    assert.ok(card);
    const threshold = card.metrics.threshold;
    assert.equal(typeof threshold, 'number');
    for (const r of scoreFraudBatch) {
      assert.ok(r.probability >= 0 && r.probability <= 1, `probability ${r.probability}`);
      assert.equal(r.threshold, threshold);
      assert.equal(r.predictedFraud, r.probability >= r.threshold);
      assert.equal(r.score, r.probability, 'deprecated score is the probability');
      assert.deepEqual(r.model, { name: card.name, version: card.version });
    }
    // the two answers are not one scale: some inputs get a rules score far from the model probability
    assert.ok(scoreFraudBatch.some((r) => Math.abs(r.rules.score - r.probability) > 0.2));
    // and the model does rank: flagged-and-bursting crypto payments above plain card ones
    const p = (pred: (i: Input) => boolean): number => {
      const rows = scoreFraudBatch.filter((_, i) => pred(inputs[i] as Input));
      return rows.reduce((s, r) => s + r.probability, 0) / rows.length;
    };
    assert.ok(p((i) => i.knownFraudFlag && i.method === 'CRYPTO' && i.paymentsLast30Min > 5) > p((i) => !i.knownFraudFlag && i.method === 'CARD' && i.paymentsLast30Min === 1));
  });
});
