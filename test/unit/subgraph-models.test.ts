/** The models subgraph over real HTTP, on the committed ONNX models and onnxruntime-node. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import type { ModelRegistry } from '../../connectors/contracts/model-registry.ts';
import type { ModelRuntime } from '../../connectors/contracts/model-runtime.ts';
import { loadModelRegistry } from '../../connectors/onnx/file-model-registry.ts';
import { createOnnxModelRuntime } from '../../connectors/onnx/onnx-model-runtime.ts';
import type { SubgraphServer } from '../../subgraphs/common/index.ts';
import { startModelsSubgraph } from '../../subgraphs/models/index.ts';
import { MODELS_DIR } from '../conformance/model-runtime.suite.ts';
import { seededVersions } from './model-versions-fixture.ts';
import { gql, gqlData, silent } from './subgraph-fixtures.ts';

/** 2024-05-01T15:00:00Z (Wednesday), 18:00 in Moscow. */
const NOW = Date.UTC(2024, 4, 1, 15);
const metrics = new Registry();
let runtime: ModelRuntime;
let registry: ModelRegistry;
let server: SubgraphServer;

before(async () => {
  runtime = createOnnxModelRuntime({}, { logger: silent, metrics });
  await runtime.start();
  registry = await loadModelRegistry(join(MODELS_DIR, 'registry.json'));
  server = await startModelsSubgraph({ modelRuntime: runtime, registry, versions: await seededVersions(registry), logger: silent, port: 0, now: () => NOW });
});
after(async () => {
  await server.close();
  await runtime.close();
});

async function sessionRuns(model: string): Promise<{ runs: number; rows: number }> {
  const values = (await metrics.getSingleMetric('gofuture_model_batch_size')?.get())?.values ?? [];
  const pick = (suffix: string): number =>
    values.find((v) => (v as { metricName?: string }).metricName === `gofuture_model_batch_size${suffix}` && v.labels.model === model)?.value ?? 0;
  return { runs: pick('_count'), rows: pick('_sum') };
}

const SURGE = `mutation($input: SurgeInput!) { predictSurge(input: $input) { regionId multiplier demandSupplyRatio model { name version } } }`;
const FRAUD = `mutation($input: FraudInput!) { scoreFraud(input: $input) { paymentId probability predictedFraud threshold rules { points riskLevel reasons } model { name version } } }`;
const FRAUD_BATCH = `mutation($inputs: [FraudInput!]!) { scoreFraudBatch(inputs: $inputs) { paymentId probability rules { riskLevel } } }`;
const DEMAND = `mutation($input: DemandInput!) { forecastDemand(input: $input) { regionId hourStart tripsNextHour model { version } } }`;
const CREDIT = `mutation($input: CreditInput!) { scoreCredit(input: $input) { clientId defaultPrediction defaultProbability threshold model { name } } }`;

interface Surge { predictSurge: { regionId: string; multiplier: number; demandSupplyRatio: number; model: { name: string; version: string } } }
interface Fraud { scoreFraud: { paymentId: string | null; probability: number; predictedFraud: boolean; threshold: number; rules: { points: number; riskLevel: string; reasons: string[] }; model: { name: string; version: string } } }
interface Credit { scoreCredit: { clientId: string | null; defaultPrediction: boolean; defaultProbability: number; threshold: number; model: { name: string } } }

const riskyPayment = { paymentId: 'p-risky', amount: 12_000, method: 'CRYPTO', regionId: 'nsk', at: '2024-05-04T18:30:00Z', knownFraudFlag: true, paymentsLast30Min: 8 };
const safePayment = { paymentId: 'p-safe', amount: 450, method: 'CARD', regionId: 'msk-center', at: '2024-05-01T09:00:00Z', knownFraudFlag: false, paymentsLast30Min: 1 };

void describe('models subgraph', () => {
  void it('lists the registry with metrics and load state, and finds one model', async () => {
    const data = await gqlData<{ models: { name: string; version: string; stage: string; loaded: boolean; featureNames: string[]; metrics: { name: string; value: number }[]; trainedAt: string }[] }>(
      server.url,
      '{ models { name version stage loaded featureNames trainedAt metrics { name value } } }',
    );
    assert.deepEqual(data.models.map((m) => m.name).sort(), ['credit_default', 'demand_forecast', 'fraud_score', 'surge_multiplier']);
    for (const m of data.models) {
      assert.equal(m.stage, 'PRODUCTION');
      assert.equal(m.loaded, true, `${m.name} loaded at start`);
      assert.match(m.trainedAt, /^\d{4}-\d{2}-\d{2}T/);
    }
    const fraud = data.models.find((m) => m.name === 'fraud_score');
    assert.ok(fraud?.metrics.some((x) => x.name === 'auc' && x.value > 0.9));
    const gates = await gqlData<{ models: { name: string; gate: { passed: boolean; source: string; failures: string[] } }[] }>(server.url, '{ models { name gate { passed source failures } } }');
    for (const m of gates.models) assert.deepEqual({ passed: m.gate.passed, failures: m.gate.failures }, { passed: true, failures: [] }, m.name);
    assert.match(gates.models.find((m) => m.name === 'fraud_score')?.gate.source ?? '', /seed 001/);
    assert.equal(fraud?.featureNames.length, 8);
    const one = await gqlData<{ a: { version: string } | null; b: { version: string } | null; c: unknown }>(
      server.url,
      '{ a: model(name: "credit_default") { version } b: model(name: "credit_default", version: "1") { version } c: model(name: "nope") { version } }',
    );
    assert.deepEqual(one, { a: { version: '1' }, b: { version: '1' }, c: null });
  });

  void it('predictSurge: the multiplier is the ONNX model output for the engineered features, in [1, 3]', async () => {
    const input = { regionId: 'msk-center', demand: 90, supply: 30, weather: 'RAIN', recentCancellationRate: 0.1 };
    const { predictSurge } = await gqlData<Surge>(server.url, SURGE, { input });
    assert.equal(predictSurge.demandSupplyRatio, 3);
    assert.deepEqual(predictSurge.model, { name: 'surge_multiplier', version: '1' });
    // 18:00 local (UTC+3), a Wednesday
    const a = (2 * Math.PI * 18) / 24;
    const [direct] = await runtime.run('surge_multiplier', '1', [[3, Math.sin(a), Math.cos(a), 0, 1, 0, 0.1]]);
    assert.equal(predictSurge.multiplier, direct?.multiplier?.[0]);
    assert.ok(predictSurge.multiplier > 1.5 && predictSurge.multiplier <= 3, `multiplier ${predictSurge.multiplier}`);

    const calm = await gqlData<Surge>(server.url, SURGE, { input: { regionId: 'msk-center', demand: 5, supply: 50 } });
    assert.ok(calm.predictSurge.multiplier >= 1 && calm.predictSurge.multiplier < predictSurge.multiplier);
    const extreme = await gqlData<Surge>(server.url, SURGE, { input: { regionId: 'sochi', demand: 1_000_000, supply: 0, weather: 'SNOW', recentCancellationRate: 1 } });
    assert.equal(extreme.predictSurge.multiplier, 3);
  });

  void it('scoreFraud: the model probability and the seed 001 rules side by side', async () => {
    const risky = await gqlData<Fraud>(server.url, FRAUD, { input: riskyPayment });
    assert.equal(risky.scoreFraud.paymentId, 'p-risky');
    assert.ok(risky.scoreFraud.probability > 0.9 && risky.scoreFraud.probability <= 1, `probability ${risky.scoreFraud.probability}`);
    assert.equal(risky.scoreFraud.predictedFraud, true);
    // Saturday 18:30 UTC is Sunday 01:30 in Novosibirsk (high-risk region): every rule fires
    assert.deepEqual(risky.scoreFraud.rules, { points: 155, riskLevel: 'CRITICAL', reasons: ['known_fraud', 'high_amount', 'crypto', 'high_risk_region', 'late_night', 'weekend', 'velocity'] });
    assert.deepEqual(risky.scoreFraud.model, { name: 'fraud_score', version: '1' });
    const safe = await gqlData<Fraud>(server.url, FRAUD, { input: safePayment });
    assert.ok(safe.scoreFraud.probability >= 0 && safe.scoreFraud.probability < 0.1, `probability ${safe.scoreFraud.probability}`);
    assert.equal(safe.scoreFraud.predictedFraud, false);
    assert.deepEqual(safe.scoreFraud.rules, { points: 0, riskLevel: 'MINIMAL', reasons: [] });
  });

  void it('forecastDemand: non-negative trips for the next full hour by default', async () => {
    const d = await gqlData<{ forecastDemand: { regionId: string; hourStart: string; tripsNextHour: number; model: { version: string } } }>(
      server.url, DEMAND, { input: { regionId: 'msk-center', tripsLastHour: 120, tripsSameHourYesterday: 110 } },
    );
    assert.equal(d.forecastDemand.hourStart, '2024-05-01T16:00:00.000Z');
    assert.ok(d.forecastDemand.tripsNextHour > 50 && d.forecastDemand.tripsNextHour < 250, `trips ${d.forecastDemand.tripsNextHour}`);
    const empty = await gqlData<{ forecastDemand: { tripsNextHour: number } }>(
      server.url, DEMAND, { input: { regionId: 'sochi', at: '2024-05-01T01:00:00Z', tripsLastHour: 0, tripsSameHourYesterday: 0 } },
    );
    assert.ok(empty.forecastDemand.tripsNextHour >= 0);
  });

  void it('scoreCredit: default probability and the decision at the card threshold', async () => {
    const risky = await gqlData<Credit>(server.url, CREDIT, { input: { clientId: 'c1', limitBal: 20_000, age: 24, pay0: 3, pay2: 2, billAmt1: 19_500, payAmt1: 0 } });
    assert.equal(risky.scoreCredit.threshold, registry.production('credit_default')?.metrics.threshold, 'the threshold on the card (chosen on validation)');
    assert.ok(risky.scoreCredit.defaultProbability > 0.5, `p ${risky.scoreCredit.defaultProbability}`);
    assert.equal(risky.scoreCredit.defaultPrediction, true);
    assert.equal(risky.scoreCredit.model.name, 'credit_default');
    const safe = await gqlData<Credit>(server.url, CREDIT, { input: { limitBal: 500_000, age: 45, pay0: -1, pay2: -1, billAmt1: 20_000, payAmt1: 20_000 } });
    assert.ok(safe.scoreCredit.defaultProbability < 0.2, `p ${safe.scoreCredit.defaultProbability}`);
    assert.equal(safe.scoreCredit.defaultPrediction, false);
    assert.equal(safe.scoreCredit.clientId, null);
  });

  void it('a batch mutation runs the model once for all its inputs, in order', async () => {
    const inputs = Array.from({ length: 300 }, (_, i) => ({ ...(i % 3 === 0 ? riskyPayment : safePayment), paymentId: `p${i}` }));
    const before = await sessionRuns('fraud_score');
    const data = await gqlData<{ scoreFraudBatch: { paymentId: string; probability: number; rules: { riskLevel: string } }[] }>(server.url, FRAUD_BATCH, { inputs });
    const afterRuns = await sessionRuns('fraud_score');
    assert.equal(afterRuns.runs - before.runs, 1, 'one session run');
    assert.equal(afterRuns.rows - before.rows, 300);
    assert.deepEqual(data.scoreFraudBatch.map((r) => r.paymentId), inputs.map((p) => p.paymentId));
    data.scoreFraudBatch.forEach((r, i) => assert.equal(r.rules.riskLevel, i % 3 === 0 ? 'CRITICAL' : 'MINIMAL'));

    const others = await gqlData<{ s: unknown[]; d: unknown[]; c: { defaultPrediction: boolean }[]; e: unknown[] }>(
      server.url,
      `mutation {
        s: predictSurgeBatch(inputs: [{ regionId: "kzn", demand: 10, supply: 10 }, { regionId: "ekb", demand: 40, supply: 4 }]) { multiplier }
        d: forecastDemandBatch(inputs: [{ regionId: "kzn", tripsLastHour: 30, tripsSameHourYesterday: 28 }]) { tripsNextHour }
        c: scoreCreditBatch(inputs: [{ limitBal: 100000, age: 30, pay0: 0, pay2: 0, billAmt1: 30000, payAmt1: 3000 }]) { defaultPrediction }
        e: scoreFraudBatch(inputs: []) { probability }
      }`,
    );
    assert.equal(others.s.length, 2);
    assert.equal(others.d.length, 1);
    assert.equal(others.c.length, 1);
    assert.deepEqual(others.e, []);
  });

  void it('bad input is BAD_USER_INPUT naming the field', async () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      [FRAUD, { input: { ...safePayment, amount: -5 } }, /input\.amount/],
      [FRAUD, { input: { ...safePayment, regionId: 'atlantis' } }, /input\.regionId is not a known region/],
      [SURGE, { input: { regionId: 'kzn', demand: -1, supply: 3 } }, /input\.demand/],
      [SURGE, { input: { regionId: 'kzn', demand: 1, supply: 3, recentCancellationRate: 1.5 } }, /input\.recentCancellationRate/],
      [CREDIT, { input: { limitBal: 0, age: 30, pay0: 0, pay2: 0, billAmt1: 0, payAmt1: 0 } }, /input\.limitBal/],
      [CREDIT, { input: { limitBal: 1000, age: 7, pay0: 0, pay2: 0, billAmt1: 0, payAmt1: 0 } }, /input\.age/],
      [FRAUD_BATCH, { inputs: [safePayment, { ...safePayment, paymentsLast30Min: 0 }] }, /inputs\[1\]\.paymentsLast30Min/],
      [FRAUD_BATCH, { inputs: Array.from({ length: 1001 }, () => safePayment) }, /at most 1000/],
      [FRAUD, { input: { ...safePayment, method: 'GOLD' } }, /GOLD/],
    ];
    for (const [query, variables, message] of cases) {
      const r = await gql(server.url, query, variables);
      const err = r.body.errors?.[0];
      assert.ok(err, `error for ${JSON.stringify(variables).slice(0, 80)}`);
      assert.equal(err.extensions?.code, 'BAD_USER_INPUT', err.message);
      assert.match(err.message, message);
    }
  });
});
