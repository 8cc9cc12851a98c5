/** Serving by alias: sticky canary by entity, shadow mode, model { alias variant } on every answer, and the prediction log of each row. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bucketOf, TrafficPolicySchema } from '../../subgraphs/models/index.ts';
import { inCanary } from '../../subgraphs/models/serving/traffic-policy.ts';
import { OnlineQuality } from '../../jobs/prediction-log/index.ts';
import { waitFor } from '../conformance/helpers.ts';
import { gqlData } from '../unit/subgraph-fixtures.ts';
import { servingFixture, silent, type ServingFixture } from '../support/serving/serving-fixture.ts';
import { Registry } from 'prom-client';

const FRAUD_BATCH = `mutation($inputs: [FraudInput!]!) { scoreFraudBatch(inputs: $inputs) { paymentId probability model { name version alias variant shadowVersion } } }`;
const SURGE = `mutation($input: SurgeInput!) { predictSurge(input: $input) { multiplier model { name version alias variant shadowVersion } } }`;

interface Ref { name: string; version: string; alias: string; variant: string; shadowVersion: string | null }
interface FraudBatch { scoreFraudBatch: { paymentId: string; probability: number; model: Ref }[] }

const payment = (i: number) => ({ paymentId: `pay-${i}`, amount: 100 + i * 37, method: i % 3 === 0 ? 'CRYPTO' : 'CARD', regionId: i % 2 ? 'nsk' : 'msk-center', at: '2024-05-01T10:00:00Z', paymentsLast30Min: 1 + (i % 4) });

void describe('traffic assignment', () => {
  void it('is sticky by entity and monotone in the weight', () => {
    const ids = Array.from({ length: 4000 }, (_, i) => `entity-${i}`);
    const at = (w: number) => new Set(ids.filter((id) => inCanary(TrafficPolicySchema.parse({ mode: 'canary', canaryWeight: w }), 'fraud_score', id)));
    const ten = at(0.1);
    const thirty = at(0.3);
    for (const id of ten) assert.ok(thirty.has(id), 'raising the weight keeps every canary entity in the canary');
    assert.ok(thirty.size > 4000 * 0.25 && thirty.size < 4000 * 0.35, `30 % weight gave ${thirty.size} of 4000`);
    assert.equal(at(0).size, 0);
    assert.equal(at(1).size, 4000);
    assert.equal(bucketOf('fraud_score', 'entity-7'), bucketOf('fraud_score', 'entity-7'));
    assert.notEqual(ids.map((id) => bucketOf('fraud_score', id)).join(), ids.map((id) => bucketOf('credit_default', id)).join(), 'the model is part of the hash');
  });
});

void describe('canary', () => {
  let f: ServingFixture;
  before(async () => {
    f = await servingFixture({ challenger: ['fraud_score'], traffic: { fraud_score: { mode: 'canary', canaryWeight: 0.5 } } });
  });
  after(async () => {
    await f.close();
  });

  void it('answers each payment by the variant its id hashes to, the same one every time, and logs every row', async () => {
    const inputs = Array.from({ length: 40 }, (_, i) => payment(i));
    const policy = TrafficPolicySchema.parse({ mode: 'canary', canaryWeight: 0.5 });
    const first = await gqlData<FraudBatch>(f.server.url, FRAUD_BATCH, { inputs });
    const again = await gqlData<FraudBatch>(f.server.url, FRAUD_BATCH, { inputs: [...inputs].reverse() });
    const byId = new Map(again.scoreFraudBatch.map((r) => [r.paymentId, r.model]));
    let canaries = 0;
    for (const r of first.scoreFraudBatch) {
      const canary = inCanary(policy, 'fraud_score', r.paymentId);
      canaries += canary ? 1 : 0;
      assert.deepEqual(r.model, canary
        ? { name: 'fraud_score', version: '2', alias: 'challenger', variant: 'CANARY', shadowVersion: null }
        : { name: 'fraud_score', version: '1', alias: 'champion', variant: 'CHAMPION', shadowVersion: null }, r.paymentId);
      assert.deepEqual(byId.get(r.paymentId), r.model, `${r.paymentId} keeps its variant`);
    }
    assert.ok(canaries > 0 && canaries < 40, `both variants served (${canaries} canary of 40)`);
    assert.equal(f.sink.records.length, 80);
    const logged = f.sink.records.slice(0, 40);
    for (const [i, r] of first.scoreFraudBatch.entries()) {
      const l = logged.find((x) => x.entityId === r.paymentId);
      assert.ok(l, `pay-${i} logged`);
      assert.equal(l.version, r.model.version);
      assert.equal(l.variant, r.model.variant.toLowerCase());
      assert.equal(l.outputs.probability?.[0], r.probability);
      assert.equal(l.decision, r.probability >= (f.cards.production('fraud_score')?.metrics.threshold ?? 0.5));
      assert.equal(Object.keys(l.features).length, 8);
    }
  });

  void it('a model without a policy serves its champion only', async () => {
    const d = await gqlData<{ predictSurge: { model: Ref } }>(f.server.url, SURGE, { input: { regionId: 'kzn', demand: 10, supply: 5 } });
    assert.deepEqual(d.predictSurge.model, { name: 'surge_multiplier', version: '1', alias: 'champion', variant: 'CHAMPION', shadowVersion: null });
  });
});

void describe('shadow', () => {
  let f: ServingFixture;
  let quality: OnlineQuality;
  before(async () => {
    quality = new OnlineQuality({ logger: silent, metrics: new Registry(), minLabels: 1 });
    f = await servingFixture({ challenger: ['fraud_score'], traffic: { fraud_score: { mode: 'shadow', canaryWeight: 0 } }, quality });
  });
  after(async () => {
    await f.close();
  });

  void it('answers with the champion, scores the challenger on the same rows, logs both, and both versions get online quality', async () => {
    const inputs = Array.from({ length: 12 }, (_, i) => payment(i));
    const d = await gqlData<FraudBatch>(f.server.url, FRAUD_BATCH, { inputs });
    for (const r of d.scoreFraudBatch) assert.deepEqual(r.model, { name: 'fraud_score', version: '1', alias: 'champion', variant: 'CHAMPION', shadowVersion: '2' });
    await waitFor('shadow rows logged', () => f.sink.records.filter((r) => r.variant === 'shadow').length === 12);
    const champion = f.sink.records.filter((r) => r.variant === 'champion');
    const shadow = f.sink.records.filter((r) => r.variant === 'shadow');
    assert.equal(champion.length, 12);
    assert.deepEqual(new Set(shadow.map((r) => `${r.version}/${r.alias}`)), new Set(['2/challenger']));
    assert.deepEqual(shadow.map((r) => r.entityId).sort(), champion.map((r) => r.entityId).sort());
    // the same ONNX file: the shadow scores equal the answers
    for (const s of shadow) assert.deepEqual(s.outputs, champion.find((c) => c.entityId === s.entityId)?.outputs);

    for (const r of d.scoreFraudBatch) quality.label({ payment_id: r.paymentId, is_fraud: r.probability >= 0.5 });
    const q = await gqlData<{ modelQuality: { model: string; thresholds: { name: string; value: number }[]; versions: { version: string; degraded: boolean; total: { labelled: number; precision: number | null; recall: number | null } }[] } | null; none: unknown }>(
      f.server.url, '{ modelQuality(name: "fraud_score") { model thresholds { name value } versions { version degraded total { labelled precision recall } } } none: modelQuality(name: "credit_default") { model } }',
    );
    assert.equal(q.none, null);
    assert.deepEqual(q.modelQuality?.thresholds, [{ name: 'precision', value: 0.8 }, { name: 'recall', value: 0.7 }]);
    assert.deepEqual(q.modelQuality?.versions.map((v) => [v.version, v.total.labelled]), [['1', 12], ['2', 12]]);
  });
});
