/**
 * Online quality: logged fraud predictions joined with ground-truth labels from the fraud-labels
 * topic (a real in-process event log), precision/recall per version and window, gauges, and one
 * alert on the `alerts` topic when a version falls below its gate.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createMemoryEventLog } from '../../connectors/embedded/index.ts';
import { createAlertSink } from '../../jobs/orchestrator/alerts.ts';
import { OnlineQuality, qualityThresholds } from '../../jobs/prediction-log/index.ts';
import { TOPICS } from '../../schema/events/topics.ts';
import type { FraudLabel } from '../../schema/events/fraud-labels.ts';
import { ALERTS_TOPIC, type AlertMessage } from '../../schema/lake/alerts.ts';
import type { PredictionRecord } from '../../schema/ml/prediction-log.ts';
import { MODEL_GATES } from '../../schema/model-gates.ts';
import { waitFor } from '../conformance/helpers.ts';

const silent = pino({ level: 'silent' });
const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 4, 1, 10);

const prediction = (id: string, version: string, decision: boolean, variant: PredictionRecord['variant'] = 'champion'): PredictionRecord => ({
  requestId: 'r', model: 'fraud_score', version, alias: variant === 'champion' ? 'champion' : 'challenger', variant, entityId: id,
  features: {}, outputs: { probability: [decision ? 0.9 : 0.1] }, decision, predictedAt: T0,
});

const label = (id: string, isFraud: boolean): FraudLabel => ({ payment_id: id, booking_id: `b-${id}`, user_id: `u-${id}`, occurred_at: T0, is_fraud: isFraud, pattern: isFraud ? 'card_testing' : null, source: 'simulator' });

async function gaugeValue(metrics: Registry, name: string, version: string): Promise<number | undefined> {
  return (await metrics.getSingleMetric(name)?.get())?.values.find((v) => v.labels.version === version)?.value;
}

void describe('online quality', () => {
  void it('takes its thresholds from the fraud gate', () => {
    assert.deepEqual(qualityThresholds(MODEL_GATES.fraud_score), { precision: 0.8, recall: 0.7 });
  });

  void it('joins labels that come before or after the prediction, per version, in windows by label time', () => {
    let now = T0;
    const q = new OnlineQuality({ logger: silent, metrics: new Registry(), windowMs: HOUR, minLabels: 1000, now: () => now });
    // v1: tp, fp, fn, tn, tp; v2 (shadow) scored the same payments differently
    q.write([prediction('a', '1', true), prediction('b', '1', true), prediction('c', '1', false)]);
    q.label({ payment_id: 'a', is_fraud: true });
    q.label({ payment_id: 'b', is_fraud: false });
    q.label({ payment_id: 'c', is_fraud: true });
    q.label({ payment_id: 'd', is_fraud: false }); // label first
    q.write([prediction('d', '1', false), prediction('x', '1', true)]); // x never labelled
    q.write([prediction('a', '2', true, 'shadow'), prediction('b', '2', false, 'shadow'), prediction('c', '2', true, 'shadow')]);
    now = T0 + HOUR + 1;
    q.write([prediction('e', '1', true)]);
    q.label({ payment_id: 'e', is_fraud: true });
    const r = q.quality('fraud_score');
    assert.ok(r);
    assert.equal(q.quality('credit_default'), undefined);
    const v1 = r.versions.find((v) => v.version === '1');
    const v2 = r.versions.find((v) => v.version === '2');
    assert.deepEqual(v1?.windows.map((w) => [w.start, w.truePositives, w.falsePositives, w.falseNegatives, w.trueNegatives]), [[T0, 1, 1, 1, 1], [T0 + HOUR, 1, 0, 0, 0]]);
    assert.deepEqual({ p: v1?.total.precision, r: v1?.total.recall, n: v1?.total.labelled }, { p: 2 / 3, r: 2 / 3, n: 5 });
    assert.deepEqual({ p: v2?.total.precision, r: v2?.total.recall, n: v2?.total.labelled }, { p: 1, r: 1, n: 3 });
    assert.equal(v1?.degraded, false, 'no window has minLabels labels yet');
  });

  void it('consumes fraud-labels, exports gauges, and alerts once per window when a version falls below its gate', async () => {
    const metrics = new Registry();
    await using log = createMemoryEventLog({}, { logger: silent, metrics });
    await log.start();
    await log.ensureTopics([TOPICS.fraudLabels, ALERTS_TOPIC]);
    const alerts = createAlertSink({ log, metrics, logger: silent });
    const q = new OnlineQuality({ logger: silent, metrics, alerts, windowMs: HOUR, minLabels: 20, now: () => T0 });
    const consumer = await q.consume(log, 'quality-test');
    // version 3 flags everything: precision 0.25, recall 1
    const ids = Array.from({ length: 40 }, (_, i) => `pay-${i}`);
    q.write(ids.map((id) => prediction(id, '3', true)));
    await log.publish(TOPICS.fraudLabels.name, ids.map((id, i) => ({ key: `u-${id}`, value: JSON.stringify(label(id, i % 4 === 0)), timestamp: T0 })));
    await log.publish(TOPICS.fraudLabels.name, [{ key: 'junk', value: '{"not":"a label"}' }]);
    await waitFor('all labels joined', () => q.quality('fraud_score')?.versions[0]?.total.labelled === 40);
    await consumer.stop();
    const v = q.quality('fraud_score')?.versions[0];
    assert.equal(v?.degraded, true);
    assert.deepEqual({ p: v?.total.precision, r: v?.total.recall }, { p: 0.25, r: 1 });
    assert.equal(await gaugeValue(metrics, 'gofuture_model_online_precision', '3'), 0.25);
    assert.equal(await gaugeValue(metrics, 'gofuture_model_online_recall', '3'), 1);
    let raised: AlertMessage[] = [];
    await waitFor('alert published', async () => {
      raised = (await log.read(ALERTS_TOPIC.name, 0, '0', 100)).map((r) => JSON.parse(r.value) as AlertMessage);
      return raised.length > 0;
    });
    assert.equal(raised.length, 1, 'one alert per version and window');
    assert.equal(raised[0]?.kind, 'model_quality');
    assert.equal(raised[0]?.source, 'fraud_score@3');
    assert.match(raised[0]?.message ?? '', /precision 0\.250 < 0\.8/);
  });
});
