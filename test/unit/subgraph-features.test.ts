/** The features subgraph over real HTTP on the embedded in-memory online store. */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { composeServices, compositionHasErrors } from '@theguild/federation-composition';
import { buildSchema, isObjectType } from 'graphql';
import { Registry } from 'prom-client';
import type { OnlineStore } from '../../connectors/contracts/online-store.ts';
import { createMemoryOnlineStore } from '../../connectors/embedded/memory-online-store.ts';
import { loadSubgraphTypeDefs, type SubgraphServer } from '../../subgraphs/common/index.ts';
import { startFeaturesSubgraph } from '../../subgraphs/features/index.ts';
import { gql, gqlData, silent } from './subgraph-fixtures.ts';

const DAY = 86_400_000;
let store: OnlineStore;
let server: SubgraphServer;
/** Every getMany the subgraph made: [entity, ids]. */
const calls: [string, readonly string[]][] = [];

/** The real store, with its getMany calls recorded. */
function recorded(inner: OnlineStore): OnlineStore {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'getMany') {
        return (entity: string, ids: readonly string[]) => {
          calls.push([entity, [...ids]]);
          return target.getMany(entity, ids);
        };
      }
      const v: unknown = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

before(async () => {
  const memory = createMemoryOnlineStore({}, { logger: silent, metrics: new Registry() });
  await memory.start();
  await memory.put([
    { entity: 'driver', id: 'd1', values: { driver_avg_rating_7d: 4.75, driver_trips_7d: 31 }, ttlMs: 2 * DAY },
    { entity: 'driver', id: 'd2', values: { driver_trips_7d: 3 }, ttlMs: 2 * DAY },
    { entity: 'rider', id: 'r1', values: { rider_trips_30d: 12 }, ttlMs: 2 * DAY },
    { entity: 'region', id: 'msk-center', values: { region_demand_1h: 420 }, ttlMs: 600_000 },
    { entity: 'region', id: 'kzn', values: { region_demand_1h: 'n/a' }, ttlMs: 600_000 },
  ]);
  store = recorded(memory);
  server = await startFeaturesSubgraph({ onlineStore: store, logger: silent, port: 0 });
});
after(async () => {
  await server.close();
  await store.close();
});

const ENTITIES = `query($reps: [_Any!]!) {
  _entities(representations: $reps) {
    ... on Driver { id features { avgRating7d trips7d updatedAt } }
    ... on Rider { id features { trips30d updatedAt } }
    ... on Region { id features { demandLastHour updatedAt } }
  }
}`;

interface Entity {
  id: string;
  features: Record<string, number | string | null> | null;
}

void describe('features subgraph', () => {
  void it('resolves Driver, Rider and Region entities with ONE getMany per entity type', async () => {
    calls.length = 0;
    const reps = [
      { __typename: 'Driver', id: 'd1' }, { __typename: 'Rider', id: 'r1' }, { __typename: 'Driver', id: 'd2' },
      { __typename: 'Region', id: 'msk-center' }, { __typename: 'Driver', id: 'd-missing' }, { __typename: 'Region', id: 'kzn' },
      { __typename: 'Rider', id: 'r-missing' }, { __typename: 'Driver', id: 'd1' },
    ];
    const { _entities } = await gqlData<{ _entities: Entity[] }>(server.url, ENTITIES, { reps });
    assert.equal(_entities.length, reps.length);
    const [d1, r1, d2, msk, dMissing, kzn, rMissing, d1Again] = _entities;
    assert.equal(d1?.features?.avgRating7d, 4.75);
    assert.equal(d1?.features?.trips7d, 31);
    assert.match(String(d1?.features?.updatedAt), /^\d{4}-\d{2}-\d{2}T.*Z$/);
    assert.deepEqual(d1Again, d1);
    assert.equal(d2?.features?.avgRating7d, null, 'a missing field is null');
    assert.equal(d2?.features?.trips7d, 3);
    assert.equal(r1?.features?.trips30d, 12);
    assert.equal(msk?.features?.demandLastHour, 420);
    assert.equal(kzn?.features?.demandLastHour, null, 'a non-numeric value is null');
    assert.deepEqual(dMissing, { id: 'd-missing', features: null });
    assert.deepEqual(rMissing, { id: 'r-missing', features: null });

    const byEntity = new Map<string, number>();
    for (const [entity] of calls) byEntity.set(entity, (byEntity.get(entity) ?? 0) + 1);
    assert.deepEqual(Object.fromEntries(byEntity), { driver: 1, rider: 1, region: 1 });
    assert.deepEqual(calls.find(([e]) => e === 'driver')?.[1], ['d1', 'd2', 'd-missing']);
  });

  void it('lists feature definitions, all or of one entity', async () => {
    const all = await gqlData<{ featureDefinitions: { name: string; entity: string; valueType: string; windowSeconds: number; ttlSeconds: number }[] }>(
      server.url, '{ featureDefinitions { name entity valueType windowSeconds ttlSeconds } }',
    );
    assert.deepEqual(all.featureDefinitions.map((f) => f.name), ['driver_avg_rating_7d', 'driver_trips_7d', 'rider_trips_30d', 'region_demand_1h']);
    assert.deepEqual(all.featureDefinitions[2], { name: 'rider_trips_30d', entity: 'RIDER', valueType: 'INT', windowSeconds: 30 * 86_400, ttlSeconds: 2 * 86_400 });
    const drivers = await gqlData<{ featureDefinitions: { name: string }[] }>(server.url, '{ featureDefinitions(entity: DRIVER) { name } }');
    assert.deepEqual(drivers.featureDefinitions.map((f) => f.name), ['driver_avg_rating_7d', 'driver_trips_7d']);
  });

  void it('onlineFeatures returns one vector per id (null where missing) with one getMany', async () => {
    calls.length = 0;
    const data = await gqlData<{ onlineFeatures: ({ id: string; entity: string; values: { name: string; value: number | null }[] } | null)[] }>(
      server.url, '{ onlineFeatures(entity: DRIVER, ids: ["d2", "nope", "d1"]) { id entity updatedAt values { name value } } }',
    );
    const [d2, nope, d1] = data.onlineFeatures;
    assert.equal(nope, null);
    assert.equal(d2?.entity, 'DRIVER');
    assert.deepEqual(d2?.values, [{ name: 'driver_avg_rating_7d', value: null }, { name: 'driver_trips_7d', value: 3 }]);
    assert.deepEqual(d1?.values, [{ name: 'driver_avg_rating_7d', value: 4.75 }, { name: 'driver_trips_7d', value: 31 }]);
    assert.equal(calls.length, 1);
  });

  void it('an expired vector reads as null', async () => {
    await store.put([{ entity: 'rider', id: 'r-short', values: { rider_trips_30d: 1 }, ttlMs: 5 }]);
    await sleep(20);
    const { _entities } = await gqlData<{ _entities: Entity[] }>(server.url, ENTITIES, { reps: [{ __typename: 'Rider', id: 'r-short' }] });
    assert.deepEqual(_entities, [{ id: 'r-short', features: null }]);
  });

  void it('too many ids is BAD_USER_INPUT', async () => {
    const ids = Array.from({ length: 1001 }, (_, i) => `d${i}`);
    const r = await gql(server.url, 'query($ids: [ID!]!) { onlineFeatures(entity: RIDER, ids: $ids) { id } }', { ids });
    assert.equal(r.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.match(r.body.errors?.[0]?.message ?? '', /at most 1000/);
  });

  void it('composes with trips, payments and models: Driver, Rider and Region gain features', () => {
    const result = composeServices(['trips', 'payments', 'models', 'features'].map((name) => ({ name, typeDefs: loadSubgraphTypeDefs(name), url: `http://${name}/graphql` })));
    if (compositionHasErrors(result)) assert.fail(result.errors.map((e) => e.message).join('\n'));
    const api = buildSchema(result.publicSdl);
    for (const [type, owned] of [['Driver', 'name'], ['Rider', 'tripCount'], ['Region', 'city']] as const) {
      const t = api.getType(type);
      assert.ok(isObjectType(t));
      assert.ok(t.getFields()['features'] && t.getFields()[owned], `${type} has features and ${owned}`);
    }
    assert.ok(api.getMutationType()?.getFields()['scoreFraudBatch']);
  });
});
