/**
 * The models subgraph as bin/ wires it on the embedded profile: champions from the seeded registry,
 * each prediction in the lake's ml.prediction_log, labels from the fraud-labels topic in modelQuality.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { loadConfig } from '../../bin/config.ts';
import { buildConnectors } from '../../bin/connectors.ts';
import { startServingModelsSubgraph } from '../../bin/models-serving.ts';
import { createLocalLakeStore } from '../../connectors/lake/index.ts';
import { openLake, resolveRelation } from '../../jobs/lake/delta/index.ts';
import { ALL_TOPICS, TOPICS } from '../../schema/events/topics.ts';
import { PREDICTION_LOG_TABLE } from '../../schema/ml/prediction-log.ts';
import { MODELS_DIR } from '../conformance/model-runtime.suite.ts';
import { waitFor } from '../conformance/helpers.ts';
import { query } from '../support/lake/lake-fixture.ts';
import { gqlData, silent } from './subgraph-fixtures.ts';
import { DuckDBInstance } from '@duckdb/node-api';

const FRAUD = `mutation($input: FraudInput!) { scoreFraud(input: $input) { paymentId predictedFraud model { name version alias variant } } }`;
const QUALITY = `{ modelQuality(name: "fraud_score") { versions { version total { labelled truePositives falseNegatives } } } }`;

void describe('serving as bin wires it (embedded)', () => {
  void it('serves the champion, logs the prediction into ml.prediction_log and joins its fraud label', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gofuture-serving-wiring-'));
    const config = loadConfig({ env: {}, overrides: { dataDir, models: { registry: join(MODELS_DIR, 'registry.json'), serving: { aliasPollMs: 0, quality: { minLabels: 1 } } } } });
    const c = buildConnectors(config, silent, new Registry());
    for (const x of [c.eventLog, c.pubSub, c.modelRuntime]) await x.start();
    await c.eventLog.ensureTopics(ALL_TOPICS);
    const server = await startServingModelsSubgraph({ logger: silent, port: 0, host: '127.0.0.1', production: false, signature: { required: false } }, config, c, silent);
    let closed = false;
    try {
      const input = { paymentId: 'wired-1', amount: 12_000, method: 'CRYPTO', regionId: 'nsk', at: '2024-05-04T18:30:00Z', knownFraudFlag: true, paymentsLast30Min: 8 };
      const d = await gqlData<{ scoreFraud: { paymentId: string; predictedFraud: boolean; model: Record<string, string> } }>(server.url, FRAUD, { input });
      assert.deepEqual(d.scoreFraud.model, { name: 'fraud_score', version: '1', alias: 'champion', variant: 'CHAMPION' });
      await c.eventLog.publish(TOPICS.fraudLabels.name, [{
        key: 'u-1',
        value: JSON.stringify({ payment_id: 'wired-1', booking_id: 'b-1', user_id: 'u-1', occurred_at: Date.UTC(2024, 4, 4, 18, 30), is_fraud: true, pattern: 'fraudster_ride', source: 'simulator' }),
      }]);
      await waitFor('label joined', async () => (await gqlData<{ modelQuality: { versions: { total: { labelled: number } }[] } | null }>(server.url, QUALITY)).modelQuality?.versions[0]?.total.labelled === 1);
      const q = await gqlData<{ modelQuality: { versions: unknown[] } }>(server.url, QUALITY);
      assert.deepEqual(q.modelQuality.versions, [{ version: '1', total: { labelled: 1, truePositives: d.scoreFraud.predictedFraud ? 1 : 0, falseNegatives: d.scoreFraud.predictedFraud ? 0 : 1 } }]);
      // stop flushes the prediction log
      await server.close();
      closed = true;
      const store = createLocalLakeStore({ root: join(dataDir, 'lake') }, { logger: silent, metrics: new Registry() });
      await store.start();
      const lake = openLake(store, { scratchDir: join(dataDir, 'read-scratch') });
      const db = await DuckDBInstance.create(':memory:');
      const conn = await db.connect();
      const { sql } = await resolveRelation(lake, PREDICTION_LOG_TABLE);
      const rows = await query(conn, `SELECT entity_id, model, version, variant, decision FROM ${sql}`);
      assert.deepEqual(rows, [{ entity_id: 'wired-1', model: 'fraud_score', version: '1', variant: 'champion', decision: d.scoreFraud.predictedFraud }]);
      conn.closeSync();
      db.closeSync();
      await lake.close();
      await store.close();
    } finally {
      if (!closed) await server.close();
      for (const x of [c.modelRuntime, c.pubSub, c.eventLog]) await x.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
