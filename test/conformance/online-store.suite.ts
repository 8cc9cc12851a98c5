/** OnlineStore conformance: run unchanged against every implementation (in-memory, Redis). Entities are unique per test. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { OnlineStore } from '../../connectors/contracts/online-store.ts';
import { uniqueName, waitFor, withCode } from './helpers.ts';

export function onlineStoreConformance(name: string, make: () => Promise<OnlineStore>): void {
  void describe(`OnlineStore conformance: ${name}`, () => {
    let store: OnlineStore;
    before(async () => {
      store = await make();
      await store.start();
    });
    after(async () => {
      await store.close();
    });

    void it('starts idempotently and reports health', async () => {
      await store.start();
      assert.equal((await store.health()).ok, true);
      assert.equal(store.capability, 'onlineStore');
    });

    void it('refuses an entity name outside [A-Za-z0-9_-] with BAD_USER_INPUT, writing nothing', async () => {
      await assert.rejects(store.put([{ entity: 'a:b', id: '1', values: { x: 1 }, ttlMs: 60_000 }]), withCode('BAD_USER_INPUT'));
      await assert.rejects(store.put([{ entity: '', id: '1', values: { x: 1 }, ttlMs: 60_000 }]), withCode('BAD_USER_INPUT'));
    });

    void it('returns vectors in the order asked, null where missing', async () => {
      const entity = uniqueName('driver');
      const before = Date.now();
      await store.put([
        { entity, id: 'd1', values: { trips_1h: 3, rating: 4.5, region: 'r1' }, ttlMs: 60_000 },
        { entity, id: 'd2', values: { trips_1h: 0, rating: null, region: 'r2' }, ttlMs: 60_000 },
      ]);
      const got = await store.getMany(entity, ['d2', 'missing', 'd1', 'd2']);
      assert.equal(got.length, 4);
      assert.deepEqual(got[0]?.values, { trips_1h: 0, rating: null, region: 'r2' });
      assert.equal(got[1], null);
      assert.deepEqual(got[2]?.values, { trips_1h: 3, rating: 4.5, region: 'r1' });
      assert.deepEqual(got[3]?.values, got[0]?.values);
      assert.ok((got[2]?.updatedAt ?? 0) >= before - 1000 && (got[2]?.updatedAt ?? 0) <= Date.now() + 1000);
      assert.deepEqual(await store.getMany(entity, []), []);
      assert.deepEqual(await store.getMany(uniqueName('nobody'), ['x']), [null]);
    });

    void it('merges a put into the stored vector field by field', async () => {
      const entity = uniqueName('rider');
      await store.put([{ entity, id: 'u1', values: { a: 1, b: 'x' }, ttlMs: 60_000 }]);
      await store.put([{ entity, id: 'u1', values: { b: 'y', c: 3.25 }, ttlMs: 60_000 }]);
      const [u1] = await store.getMany(entity, ['u1']);
      assert.deepEqual(u1?.values, { a: 1, b: 'y', c: 3.25 });
    });

    void it('keeps entities apart', async () => {
      const e1 = uniqueName('e1');
      const e2 = uniqueName('e2');
      await store.put([{ entity: e1, id: 'same', values: { v: 1 }, ttlMs: 60_000 }, { entity: e2, id: 'same', values: { v: 2 }, ttlMs: 60_000 }]);
      assert.deepEqual((await store.getMany(e1, ['same']))[0]?.values, { v: 1 });
      assert.deepEqual((await store.getMany(e2, ['same']))[0]?.values, { v: 2 });
    });

    void it('expires a vector ttlMs after its last write', async () => {
      const entity = uniqueName('ttl');
      await store.put([
        { entity, id: 'short', values: { v: 1 }, ttlMs: 150 },
        { entity, id: 'long', values: { v: 2 }, ttlMs: 60_000 },
      ]);
      assert.notEqual((await store.getMany(entity, ['short']))[0], null);
      await waitFor('the short-lived vector to expire', async () => (await store.getMany(entity, ['short']))[0] === null, { timeoutMs: 5_000 });
      const [s, l] = await store.getMany(entity, ['short', 'long']);
      assert.equal(s, null);
      assert.deepEqual(l?.values, { v: 2 });
      // a write after expiry starts a fresh vector (no stale fields come back)
      await store.put([{ entity, id: 'short', values: { w: 3 }, ttlMs: 60_000 }]);
      assert.deepEqual((await store.getMany(entity, ['short']))[0]?.values, { w: 3 });
    });

    void it('a later write extends the ttl', async () => {
      const entity = uniqueName('ttl2');
      const t0 = Date.now();
      await store.put([{ entity, id: 'x', values: { v: 1 }, ttlMs: 300 }]);
      await store.put([{ entity, id: 'x', values: { v: 2 }, ttlMs: 60_000 }]);
      await waitFor('300 ms to pass', () => Date.now() - t0 > 400, { timeoutMs: 5_000 });
      assert.deepEqual((await store.getMany(entity, ['x']))[0]?.values, { v: 2 });
    });

    void it('deletes', async () => {
      const entity = uniqueName('del');
      await store.put([{ entity, id: 'a', values: { v: 1 }, ttlMs: 60_000 }, { entity, id: 'b', values: { v: 2 }, ttlMs: 60_000 }]);
      await store.delete(entity, ['a', 'never-there']);
      const [a, b] = await store.getMany(entity, ['a', 'b']);
      assert.equal(a, null);
      assert.deepEqual(b?.values, { v: 2 });
    });

    void it('handles a large batch in one call', async () => {
      const entity = uniqueName('bulk');
      const ids = Array.from({ length: 2_000 }, (_, i) => `id${i}`);
      await store.put(ids.map((id, i) => ({ entity, id, values: { i, s: `v${i}` }, ttlMs: 60_000 })));
      const got = await store.getMany(entity, [...ids].reverse());
      got.forEach((g, j) => assert.deepEqual(g?.values, { i: ids.length - 1 - j, s: `v${ids.length - 1 - j}` }));
    });

    void it('closes idempotently', async () => {
      const other = await make();
      await other.start();
      await other.close();
      await other.close();
      assert.equal((await other.health()).ok, false);
    });
  });
}
