/**
 * Point-in-time retrieval (jobs/features/offline) against a brute-force oracle on random Delta tables,
 * many seeds: per entity row the latest row at or before its timestamp, ties on event_timestamp broken
 * by created_timestamp, null outside the TTL; and a no-leak test: rows after the label time never come
 * back, and appending future rows changes no earlier answer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getHistoricalFeatures, lakeOfflineSource, type EntityRow, type OfflineSource } from '../../jobs/features/offline/index.ts';
import { mulberry32 } from '../../jobs/simulator/prng.ts';
import { featureView } from '../../schema/features/index.ts';
import { isPlatformError } from '../../schema/errors.ts';
import { lakeFixture, type LakeFixture } from '../support/lake/lake-fixture.ts';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-04-01T00:00:00Z');

interface Row { key: string; ets: number; cts: number; a: number | null; b: number }

let fx: LakeFixture;
let source: OfflineSource;

before(async () => {
  fx = await lakeFixture();
  source = lakeOfflineSource(fx.lake, fx.conn);
});
after(() => fx.close());

const sqlNum = (v: number | null): string => (v === null ? 'NULL' : String(v));

/** Appends rows to a view's source table shaped as the gold model writes it (one Delta commit). */
async function write(table: string, keyCol: string, cols: readonly [string, string][], rows: readonly Row[]): Promise<void> {
  const values = rows.map((r) => `('${r.key}', ${r.ets}, ${r.cts}, ${sqlNum(r.a)}, ${r.b})`).join(', ');
  const sql = `SELECT c0 AS ${keyCol}, epoch_ms(CAST(c1 AS BIGINT)) AS event_timestamp, epoch_ms(CAST(c2 AS BIGINT)) AS created_timestamp,
    CAST(c3 AS ${cols[0]?.[1]}) AS ${cols[0]?.[0]}, CAST(c4 AS ${cols[1]?.[1]}) AS ${cols[1]?.[0]}, CAST(epoch_ms(CAST(c1 AS BIGINT)) AS DATE) AS event_date
    FROM (VALUES ${values}) AS v(c0, c1, c2, c3, c4)`;
  await fx.lake.table(table).append(fx.conn, sql, { partitionBy: ['event_date'] });
}

/** Feast's definition, by brute force. */
function oracle(rows: readonly Row[], key: string | null, ts: number, ttlMs: number): Row | null {
  let best: Row | null = null;
  for (const r of rows) {
    if (r.key !== key || r.ets > ts) continue;
    if (!best || r.ets > best.ets || (r.ets === best.ets && r.cts > best.cts)) best = r;
  }
  if (best && ttlMs > 0 && best.ets < ts - ttlMs) return null;
  return best;
}

function randomRows(rnd: () => number, n: number, keys: number, spanMs: number, gridMs: number): Row[] {
  const used = new Set<string>();
  const rows: Row[] = [];
  for (let i = 0; i < n; i++) {
    const key = `k${Math.floor(rnd() * keys)}`;
    const ets = T0 + Math.floor((rnd() * spanMs) / gridMs) * gridMs; // a coarse grid: many ties on event_timestamp
    let cts = ets + Math.floor(rnd() * 5) * 1000;
    while (used.has(`${key}|${ets}|${cts}`)) cts += 1; // (key, ets, cts) unique: the tie-break is defined
    used.add(`${key}|${ets}|${cts}`);
    rows.push({ key, ets, cts, a: rnd() < 0.2 ? null : Math.round(rnd() * 5000) / 1000, b: i });
  }
  return rows;
}

void describe('getHistoricalFeatures is point-in-time correct (oracle, random data)', () => {
  void it('agrees with the brute-force oracle on 24 seeds, two views with different TTLs', async () => {
    const driver = featureView('driver_stats');
    const region = featureView('region_demand');
    assert.ok(driver && region);
    for (let seed = 1; seed <= 24; seed++) {
      const rnd = mulberry32(seed * 7919);
      const dTable = `gold.driver_feature_rows`;
      const rTable = `gold.region_demand_rows`;
      await fx.lake.table(dTable).overwrite(fx.conn, 'SELECT NULL::VARCHAR AS driver_id, NULL::TIMESTAMP AS event_timestamp, NULL::TIMESTAMP AS created_timestamp, NULL::DOUBLE AS driver_avg_rating_7d, NULL::BIGINT AS driver_trips_7d, NULL::DATE AS event_date WHERE false', { partitionBy: ['event_date'] });
      await fx.lake.table(rTable).overwrite(fx.conn, 'SELECT NULL::VARCHAR AS region_id, NULL::TIMESTAMP AS event_timestamp, NULL::TIMESTAMP AS created_timestamp, NULL::DOUBLE AS unused, NULL::BIGINT AS region_demand_1h, NULL::DATE AS event_date WHERE false', { partitionBy: ['event_date'] });
      const dRows = randomRows(rnd, 40 + Math.floor(rnd() * 120), 6, 5 * 24 * HOUR, 6 * HOUR);
      const rRows = randomRows(rnd, 40 + Math.floor(rnd() * 120), 4, 12 * HOUR, 5 * 60_000);
      // several commits: the snapshot unions files
      const cut = Math.floor(dRows.length / 2);
      await write(dTable, 'driver_id', [['driver_avg_rating_7d', 'DOUBLE'], ['driver_trips_7d', 'BIGINT']], dRows.slice(0, cut));
      await write(dTable, 'driver_id', [['driver_avg_rating_7d', 'DOUBLE'], ['driver_trips_7d', 'BIGINT']], dRows.slice(cut));
      await write(rTable, 'region_id', [['unused', 'DOUBLE'], ['region_demand_1h', 'BIGINT']], rRows);
      const entityRows: EntityRow[] = [];
      for (let i = 0; i < 150; i++) {
        // timestamps on and off the grid, before the first row and after the last, unknown keys and missing keys
        const onGrid = rnd() < 0.4;
        const ts = onGrid ? T0 + Math.floor(rnd() * 30) * 6 * HOUR : T0 - 2 * HOUR + Math.floor(rnd() * 6.5 * 24 * HOUR);
        entityRows.push({ driver_id: rnd() < 0.05 ? null : `k${Math.floor(rnd() * 7)}`, region_id: `k${Math.floor(rnd() * 5)}`, event_timestamp: ts, label: i });
      }
      const got = await getHistoricalFeatures(source, entityRows, ['driver_stats:driver_avg_rating_7d', 'driver_stats:driver_trips_7d', 'region_demand:region_demand_1h'], { includeEventTimestamps: true });
      assert.deepEqual(got.columns, ['driver_avg_rating_7d', 'driver_trips_7d', 'driver_stats__event_timestamp', 'region_demand_1h', 'region_demand__event_timestamp']);
      assert.equal(got.rows.length, entityRows.length);
      entityRows.forEach((e, i) => {
        const r = got.rows[i];
        assert.ok(r);
        assert.equal(r.label, i, 'rows keep input order and their own columns');
        const d = oracle(dRows, (e.driver_id as string | null) ?? null, e.event_timestamp, driver.ttlMs);
        const g = oracle(rRows, e.region_id as string, e.event_timestamp, region.ttlMs);
        const ctx = `seed ${seed} row ${i}`;
        assert.equal(r.driver_stats__event_timestamp, d?.ets ?? null, ctx);
        assert.equal(r.driver_avg_rating_7d, d ? d.a : null, ctx);
        assert.equal(r.driver_trips_7d, d ? d.b : null, `${ctx}: the tie on event_timestamp goes to the latest created_timestamp`);
        assert.equal(r.region_demand__event_timestamp, g?.ets ?? null, ctx);
        assert.equal(r.region_demand_1h, g ? g.b : null, ctx);
      });
      const versions = got.lineage.tables.map((t) => `${t.name}@${t.version}`);
      assert.equal(versions.length, 2);
      assert.deepEqual(got.lineage.featureViews, ['driver_stats', 'region_demand']);
    }
  });
});

void describe('no leakage from after the label time', () => {
  void it('never returns a row after the entity timestamp; future rows appended later change no answer', async () => {
    const table = 'gold.rider_feature_rows';
    const rnd = mulberry32(4242);
    const base = randomRows(rnd, 300, 5, 3 * 24 * HOUR, 60_000);
    const mk = (rows: readonly Row[]): string => rows.map((r) => `('${r.key}', ${r.ets}, ${r.cts}, ${r.b})`).join(', ');
    const commit = async (rows: readonly Row[]): Promise<void> => {
      await fx.lake.table(table).append(fx.conn, `SELECT c0 AS rider_id, epoch_ms(CAST(c1 AS BIGINT)) AS event_timestamp, epoch_ms(CAST(c2 AS BIGINT)) AS created_timestamp, CAST(c3 AS BIGINT) AS rider_trips_30d, CAST(epoch_ms(CAST(c1 AS BIGINT)) AS DATE) AS event_date FROM (VALUES ${mk(rows)}) AS v(c0, c1, c2, c3)`, { partitionBy: ['event_date'] });
    };
    await commit(base);
    const labels: EntityRow[] = base.slice(0, 120).map((r, i) => ({ rider_id: r.key, event_timestamp: r.ets + (i % 3) - 1, is_label: true }));
    const first = await getHistoricalFeatures(source, labels, ['rider_stats:rider_trips_30d'], { includeEventTimestamps: true });
    first.rows.forEach((r, i) => {
      const ts = labels[i]?.event_timestamp ?? 0;
      const ets = r.rider_stats__event_timestamp;
      assert.ok(ets === null || (typeof ets === 'number' && ets <= ts), `row ${i}: value from ${String(ets)} after the label time ${ts}`);
    });
    // rows 1 ms after every label time: a leaking join would hand them to that label
    // (created timestamps of their own: a row equal to another in event AND created time would be a tie
    // the tie-break leaves undefined, and the answer could differ from one query to the next)
    const justAfter = labels.map((l, i) => ({ key: String(l.rider_id), ets: l.event_timestamp + 1, cts: l.event_timestamp + 501 + i, a: null, b: 1_000_000 + i }));
    await commit(justAfter);
    const mid = await getHistoricalFeatures(source, labels, ['rider_stats:rider_trips_30d'], { includeEventTimestamps: true });
    mid.rows.forEach((r, i) => {
      const ts = labels[i]?.event_timestamp ?? 0;
      assert.ok(Number(r.rider_stats__event_timestamp ?? 0) <= ts, `row ${i}`);
      assert.notEqual(r.rider_trips_30d, 1_000_000 + i, `row ${i} got the value written 1 ms after its label time`);
    });
    // rows after the last label time of each rider: no earlier answer may change
    const last = new Map<string, number>();
    for (const l of labels) last.set(String(l.rider_id), Math.max(last.get(String(l.rider_id)) ?? 0, l.event_timestamp));
    const future = [...last].flatMap(([key, ts], i) => [1, 60_000, HOUR].map((d) => ({ key, ets: ts + d, cts: ts + d, a: null, b: 2_000_000 + i })));
    await commit(future);
    const second = await getHistoricalFeatures(source, labels, ['rider_stats:rider_trips_30d'], { includeEventTimestamps: true });
    assert.deepEqual(second.rows, mid.rows, 'data written after the label times changes nothing');
    assert.ok(second.rows.every((r) => Number(r.rider_trips_30d ?? 0) < 2_000_000));
    assert.ok((second.lineage.tables[0]?.version ?? 0) > (first.lineage.tables[0]?.version ?? 0), 'the lineage names the newer Delta version');
  });
});

void describe('requests', () => {
  void it('refuses unknown views and features and rows without a timestamp; a missing table gives nulls', async () => {
    const refused = async (p: Promise<unknown>, code: string): Promise<void> => {
      await assert.rejects(p, (e: unknown) => isPlatformError(e) && e.code === code);
    };
    await refused(getHistoricalFeatures(source, [], ['nope:x']), 'FEATURE_REF_INVALID');
    await refused(getHistoricalFeatures(source, [], ['driver_stats:nope']), 'FEATURE_REF_INVALID');
    await refused(getHistoricalFeatures(source, [{ driver_id: 'a', event_timestamp: 1.5 }], ['driver_stats:*']), 'FEATURE_ENTITY_ROW_INVALID');
    const r = await getHistoricalFeatures(source, [{ user_id: 'u1', event_timestamp: T0 }], ['user_payments:*'], { fullFeatureNames: true });
    assert.equal(r.rows[0]?.user_payments__amount, null);
    assert.deepEqual(r.lineage.tables, []);
  });
});
