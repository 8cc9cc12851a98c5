/**
 * Online / offline skew on a simulated lake (simulator -> bronze -> daily_etl in process): for every
 * driver, rider and region the streaming job kept, the online vector equals the offline point-in-time
 * retrieval at the entity's newest event; a store filled only by materialisation holds the same values
 * from the same event time; daily_etl's features task materialised the fraud view and moved the
 * high-water marks, and materialize-incremental again writes nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createMemoryOnlineStore } from '../../connectors/embedded/index.ts';
import type { OnlineStore } from '../../connectors/contracts/online-store.ts';
import { stateClock, stateEntity } from '../../jobs/features/feature-state.ts';
import { eventTimestampField, materialize, materializeIncremental } from '../../jobs/features/materialize.ts';
import { readMarks } from '../../jobs/features/materialize-state.ts';
import { getHistoricalFeatures } from '../../jobs/features/offline/index.ts';
import { entityOf, FEATURE_VIEWS } from '../../schema/features/index.ts';
import { simulatedLake, type SimulatedLake } from '../support/features/simulated-lake.ts';

const ctx = { logger: pino({ level: 'silent' }), metrics: new Registry() };
let lake: SimulatedLake;
let streamed: OnlineStore;

before(async () => {
  streamed = createMemoryOnlineStore({}, ctx);
  await streamed.start();
  lake = await simulatedLake({ startTime: Date.parse('2026-03-06T22:00:00Z'), minutes: 180, onlineStore: streamed });
});
after(async () => {
  await lake.close();
  await streamed.close();
});

/** Ids of an entity the lake has rows for. */
async function idsOf(table: string, key: string): Promise<string[]> {
  const snap = await lake.source.snapshot(table);
  assert.ok(snap, `${table} exists`);
  return (await lake.source.query(`SELECT DISTINCT CAST(${key} AS VARCHAR) AS id FROM ${snap.sql} AS t ORDER BY 1`)).map((r) => String(r.id));
}

void describe('online and offline agree', () => {
  void it('daily_etl ran every task, the features task included', () => {
    assert.ok(lake.runs.length >= 2);
    for (const r of lake.runs) assert.equal(r.state, 'succeeded', JSON.stringify(r));
    assert.ok(lake.runs.every((r) => r.tasks.includes('features:succeeded')));
  });

  void it('streaming job vs offline point-in-time at the entity\'s newest event, for every entity', async () => {
    let compared = 0;
    for (const view of FEATURE_VIEWS.filter((v) => v.stream)) {
      const key = entityOf(view.entity).joinKey;
      const ids = await idsOf(view.source.table, key);
      assert.ok(ids.length > 0, view.name);
      const state = await streamed.getMany(stateEntity(view.entity as 'driver' | 'rider' | 'region'), ids);
      const online = await streamed.getMany(view.entity, ids);
      const rows = ids.map((id, i) => ({ [key]: id, event_timestamp: stateClock(state[i]?.values ?? {}) }));
      const offline = await getHistoricalFeatures(lake.source, rows, view.schema.map((f) => `${view.name}:${f.name}`), { includeEventTimestamps: true });
      ids.forEach((id, i) => {
        const on = online[i];
        const off = offline.rows[i];
        assert.ok(on && off, `${view.name} ${id}: online vector present`);
        assert.equal(off[`${view.name}__event_timestamp`], rows[i]?.event_timestamp, `${view.name} ${id}: an offline row at the stream's clock`);
        for (const f of view.schema) assert.equal(on.values[f.name], off[f.name], `${view.name} ${id} ${f.name}`);
        compared++;
      });
    }
    assert.ok(compared > 50, `${compared} entities compared`);
  });

  void it('a store filled by materialisation alone serves the same values from the same event time', async () => {
    const store = createMemoryOnlineStore({}, ctx);
    await store.start();
    try {
      const r = await materialize({ source: lake.source, store, stateDir: lake.stateDir, now: () => lake.end }, 0, lake.end);
      assert.ok(r.every((v) => v.version !== null && v.rows > 0), JSON.stringify(r));
      let compared = 0;
      for (const view of FEATURE_VIEWS.filter((v) => v.stream)) {
        const ids = await idsOf(view.source.table, entityOf(view.entity).joinKey);
        const state = await streamed.getMany(stateEntity(view.entity as 'driver' | 'rider' | 'region'), ids);
        const online = await streamed.getMany(view.entity, ids);
        const mat = await store.getMany(view.entity, ids);
        ids.forEach((id, i) => {
          const m = mat[i];
          if (!m) return; // past its TTL at the end of the simulation (a quiet region): not materialised
          assert.equal(m.values[eventTimestampField(view)], stateClock(state[i]?.values ?? {}), `${view.name} ${id}: the same newest event`);
          for (const f of view.schema) assert.equal(m.values[f.name], online[i]?.values[f.name], `${view.name} ${id} ${f.name}`);
          compared++;
        });
      }
      assert.ok(compared > 50, `${compared} materialised entities compared`);
    } finally {
      await store.close();
    }
  });

  void it('daily_etl materialised the fraud view (the stream does not keep it) and left the streamed vectors alone; a rerun writes nothing', async () => {
    const perView = new Map<string, number>();
    for (const run of lake.materialized) for (const v of run) perView.set(v.view, (perView.get(v.view) ?? 0) + v.written);
    assert.ok((perView.get('user_payments') ?? 0) > 0, 'user_payments written');
    for (const v of ['driver_stats', 'rider_stats', 'region_demand']) assert.equal(perView.get(v), 0, `${v}: the stream's vectors are as new`);
    const marks = await readMarks(lake.stateDir);
    for (const v of FEATURE_VIEWS) assert.equal(marks[v.name]?.highWaterMark, lake.end, v.name);
    const users = await idsOf('gold.user_payment_rows', 'user_id');
    const got = await streamed.getMany('user', users);
    const withValue = got.filter((g) => g !== null);
    assert.ok(withValue.length > 0 && withValue.every((g) => typeof g.values.user_payments_1h === 'number'));
    const again = await materializeIncremental({ source: lake.source, store: streamed, stateDir: lake.stateDir, now: () => lake.end }, lake.end);
    assert.ok(again.every((v) => v.written === 0 && v.rows === 0));
  });
});
