/**
 * historicalFeatures of the features subgraph over real HTTP and a real Delta table: point-in-time
 * values per id (string features as text), null outside the TTL, the id limit, unknown views, and
 * FEATURE_STORE_UNAVAILABLE from a subgraph without an offline store.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { lazyHistoricalApi } from '../../bin/features-offline.ts';
import type { OnlineStore } from '../../connectors/contracts/online-store.ts';
import { createMemoryOnlineStore } from '../../connectors/embedded/memory-online-store.ts';
import { lakeOfflineSource } from '../../jobs/features/offline/index.ts';
import type { SubgraphServer } from '../../subgraphs/common/index.ts';
import { MAX_HISTORICAL_IDS, startFeaturesSubgraph } from '../../subgraphs/features/index.ts';
import { lakeFixture, type LakeFixture } from '../support/lake/lake-fixture.ts';
import { gql, gqlData, silent } from './subgraph-fixtures.ts';

const T = Date.parse('2026-05-01T10:00:00Z');
let fx: LakeFixture;
let store: OnlineStore;
let server: SubgraphServer;
let bare: SubgraphServer;
const historical = { api: null as ReturnType<typeof lazyHistoricalApi> | null };

before(async () => {
  fx = await lakeFixture();
  // two payments of u1 (10:00, 10:20) and one of u2 at 08:00: its row is past the 1 h TTL at 10:30
  await fx.lake.table('gold.user_payment_rows').append(fx.conn, `SELECT user_id, epoch_ms(ts) AS event_timestamp, epoch_ms(ts) AS created_timestamp,
      n30::BIGINT AS user_payments_30m, n1h::BIGINT AS user_payments_1h, amount, amount AS user_amount_avg_1h, amount AS user_amount_max_1h, 0.0 AS user_amount_std_1h,
      method, 13::BIGINT AS local_hour, 0::BIGINT AS is_weekend, 0::BIGINT AS known_fraud_flag, 0::BIGINT AS high_risk_region, CAST(epoch_ms(ts) AS DATE) AS event_date
    FROM (VALUES ('u1', ${T}::BIGINT, 1, 1, 250.5, 'card'), ('u1', ${T + 20 * 60_000}::BIGINT, 2, 2, 9000.0, 'crypto'), ('u2', ${T - 2 * 3_600_000}::BIGINT, 1, 1, 10.0, 'cash')) AS v(user_id, ts, n30, n1h, amount, method)`, { partitionBy: ['event_date'] });
  store = createMemoryOnlineStore({}, { logger: silent, metrics: new Registry() });
  await store.start();
  historical.api = lazyHistoricalApi(async () => ({ source: lakeOfflineSource(fx.lake, fx.conn), close: async () => undefined }));
  server = await startFeaturesSubgraph({ onlineStore: store, logger: silent, port: 0, historical: historical.api });
  bare = await startFeaturesSubgraph({ onlineStore: store, logger: silent, port: 0 });
});
after(async () => {
  await server.close();
  await bare.close();
  await historical.api?.close();
  await store.close();
  await fx.close();
});

const Q = `query($view: String!, $ids: [ID!]!, $at: DateTime!) {
  historicalFeatures(view: $view, ids: $ids, at: $at) { view id at eventTimestamp values { name value text } }
}`;

interface Vec { view: string; id: string; at: string; eventTimestamp: string | null; values: { name: string; value: number | null; text: string | null }[] }

void describe('historicalFeatures', () => {
  void it('answers per id with the values as of `at`, null outside the TTL and for unknown ids', async () => {
    const at = new Date(T + 30 * 60_000).toISOString();
    const d = await gqlData<{ historicalFeatures: Vec[] }>(server.url, Q, { view: 'user_payments', ids: ['u1', 'u2', 'nobody'], at });
    const [u1, u2, nobody] = d.historicalFeatures;
    assert.equal(u1?.eventTimestamp, new Date(T + 20 * 60_000).toISOString());
    const v = Object.fromEntries((u1?.values ?? []).map((x) => [x.name, x]));
    assert.equal(v.user_payments_30m?.value, 2);
    assert.equal(v.amount?.value, 9000);
    assert.equal(v.method?.value, null);
    assert.equal(v.method?.text, 'crypto');
    assert.equal(u2?.eventTimestamp, null, 'past its TTL');
    assert.ok(u2?.values.every((x) => x.value === null && x.text === null));
    assert.equal(nobody?.eventTimestamp, null);
    // before the second payment: the first one
    const early = await gqlData<{ historicalFeatures: Vec[] }>(server.url, Q, { view: 'user_payments', ids: ['u1'], at: new Date(T + 5 * 60_000).toISOString() });
    assert.equal(early.historicalFeatures[0]?.values.find((x) => x.name === 'method')?.text, 'card');
  });

  void it('refuses too many ids and unknown views; without an offline store it says so', async () => {
    const many = await gql(server.url, Q, { view: 'user_payments', ids: Array.from({ length: MAX_HISTORICAL_IDS + 1 }, (_, i) => `u${i}`), at: new Date(T).toISOString() });
    assert.equal(many.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    const unknown = await gql(server.url, Q, { view: 'nope', ids: ['u1'], at: new Date(T).toISOString() });
    assert.equal(unknown.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    const none = await gql(bare.url, Q, { view: 'user_payments', ids: ['u1'], at: new Date(T).toISOString() });
    assert.equal(none.body.errors?.[0]?.extensions?.code, 'FEATURE_STORE_UNAVAILABLE');
  });
});
