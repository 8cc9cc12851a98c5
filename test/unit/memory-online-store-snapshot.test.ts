/** The embedded online store's snapshot: what a clean close leaves on disk is served after the next start. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createMemoryOnlineStore } from '../../connectors/embedded/memory-online-store.ts';

const ctx = () => ({ logger: pino({ level: 'silent' }), metrics: new Registry() });

void test('vectors written before a close are served after a restart from the snapshot; expired ones are not', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gofuture-store-'));
  try {
    const snapshotPath = join(dir, 'sub', 'online-store.json');
    const first = createMemoryOnlineStore({ snapshotPath }, ctx());
    await first.start();
    assert.equal(first.durable, false);
    await first.put([
      { entity: 'driver', id: 'd-1', values: { driver_trips_7d: 3, driver_avg_rating_7d: 4.5 }, ttlMs: 60_000 },
      { entity: 'region', id: 'kzn', values: { region_demand_1h: 7 }, ttlMs: 60_000 },
      { entity: 'region', id: 'gone', values: { region_demand_1h: 1 }, ttlMs: 10 },
    ]);
    await new Promise((r) => setTimeout(r, 30));
    await first.close();
    const second = createMemoryOnlineStore({ snapshotPath }, ctx());
    await second.start();
    const [d] = await second.getMany('driver', ['d-1']);
    assert.deepEqual(d?.values, { driver_trips_7d: 3, driver_avg_rating_7d: 4.5 });
    assert.deepEqual((await second.getMany('region', ['kzn', 'gone'])).map((r) => r?.values ?? null), [{ region_demand_1h: 7 }, null]);
    await second.close();
    assert.ok(JSON.parse(await readFile(snapshotPath, 'utf8')).entries.length >= 2);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

void test('an unreadable snapshot starts the store empty instead of failing', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gofuture-store-'));
  try {
    const snapshotPath = join(dir, 'online-store.json');
    await writeFile(snapshotPath, '{"format":1,"entries":[["driver"');
    const store = createMemoryOnlineStore({ snapshotPath }, ctx());
    await store.start();
    assert.deepEqual(await store.getMany('driver', ['d-1']), [null]);
    await store.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
