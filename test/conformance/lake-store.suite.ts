/**
 * LakeStore conformance: run unchanged against every implementation (local disk, S3). `make` returns
 * a new store instance over the SAME storage each call (same folder / bucket), so two instances
 * are two writers. Keys are unique per test.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { LakeStore } from '../../connectors/contracts/lake-store.ts';
import { uniqueName, withCode } from './helpers.ts';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array | null): string | null => (b === null ? null : new TextDecoder().decode(b));

export function lakeStoreConformance(name: string, make: () => Promise<LakeStore>): void {
  void describe(`LakeStore conformance: ${name}`, () => {
    let store: LakeStore;
    let other: LakeStore;
    before(async () => {
      store = await make();
      other = await make();
      await store.start();
      await other.start();
    });
    after(async () => {
      await store.close();
      await other.close();
    });

    void it('starts idempotently and reports health', async () => {
      await store.start();
      assert.equal((await store.health()).ok, true);
      assert.equal(store.capability, 'lakeStore');
    });

    void it('puts, gets, replaces and deletes objects; a missing key reads as null', async () => {
      const base = uniqueName('t');
      assert.equal(await store.get(`${base}/a.json`), null);
      await store.put(`${base}/a.json`, text('one'));
      assert.equal(str(await store.get(`${base}/a.json`)), 'one');
      assert.equal(str(await other.get(`${base}/a.json`)), 'one', 'another instance sees the object');
      await store.put(`${base}/a.json`, text('two, longer'));
      assert.equal(str(await store.get(`${base}/a.json`)), 'two, longer');
      await store.delete(`${base}/a.json`);
      assert.equal(await store.get(`${base}/a.json`), null);
      await store.delete(`${base}/a.json`); // absent: no error
      await store.delete(`${base}/never/was.json`);
    });

    void it('keeps binary content byte for byte, empty objects included', async () => {
      const base = uniqueName('bin');
      const bytes = new Uint8Array(randomBytes(300_000));
      await store.put(`${base}/part-1.parquet`, bytes);
      assert.deepEqual(await store.get(`${base}/part-1.parquet`), bytes);
      await store.put(`${base}/empty`, new Uint8Array());
      assert.deepEqual(await store.get(`${base}/empty`), new Uint8Array());
    });

    void it('lists by plain prefix, sorted, with sizes and modification times', async () => {
      const base = uniqueName('ls');
      const t0 = Date.now();
      const keys = [`${base}/_delta_log/00000000000000000001.json`, `${base}/_delta_log/00000000000000000000.json`, `${base}/d=2026-01-02/p.parquet`, `${base}/d=2026-01-01/p.parquet`, `${base}x/other`];
      for (const k of keys) await store.put(k, text(k));
      const all = await store.list(`${base}/`);
      assert.deepEqual(all.map((o) => o.key), [...keys].filter((k) => k.startsWith(`${base}/`)).sort());
      for (const o of all) {
        assert.equal(o.size, text(o.key).byteLength);
        assert.ok(o.lastModified >= t0 - 5_000 && o.lastModified <= Date.now() + 5_000, `lastModified ${o.lastModified}`);
      }
      assert.deepEqual((await store.list(`${base}/_delta_log/0000`)).map((o) => o.key), [keys[1], keys[0]]);
      assert.deepEqual((await other.list(`${base}/d=2026-01-0`)).map((o) => o.key), [keys[3], keys[2]]);
      assert.deepEqual((await store.list(base)).length, 5, 'a prefix that is not a whole folder name matches too');
      assert.deepEqual(await store.list(`${uniqueName('nothing')}/`), []);
    });

    void it('putIfAbsent creates once; a second write of the key returns false and changes nothing', async () => {
      const key = `${uniqueName('commit')}/_delta_log/00000000000000000000.json`;
      assert.equal(await store.putIfAbsent(key, text('first')), true);
      assert.equal(await store.putIfAbsent(key, text('second')), false);
      assert.equal(await other.putIfAbsent(key, text('third')), false);
      assert.equal(str(await store.get(key)), 'first');
      await store.put(`${key}.other`, text('x'));
      assert.equal(await store.putIfAbsent(`${key}.other`, text('y')), false, 'a key made by put is taken too');
    });

    void it('two writers racing for the same commit: exactly one wins, and its bytes are the object', async () => {
      const base = uniqueName('race');
      for (let round = 0; round < 20; round++) {
        const key = `${base}/_delta_log/${String(round).padStart(20, '0')}.json`;
        const payloads = [text(`writer-a-${round}-${'a'.repeat(round * 500)}`), text(`writer-b-${round}-${'b'.repeat(round * 500)}`)];
        const results = await Promise.all([store.putIfAbsent(key, payloads[0] ?? text('')), other.putIfAbsent(key, payloads[1] ?? text(''))]);
        assert.equal(results.filter(Boolean).length, 1, `round ${round}: exactly one writer wins (${results.join(', ')})`);
        const winner = results[0] ? payloads[0] : payloads[1];
        assert.deepEqual(await store.get(key), winner);
      }
    });

    void it('many writers racing over several keys: one winner per key', async () => {
      const base = uniqueName('many');
      const writers = [store, other, store, other, store, other];
      const keys = Array.from({ length: 5 }, (_, i) => `${base}/${i}.json`);
      const results = await Promise.all(keys.flatMap((k) => writers.map((w, i) => w.putIfAbsent(k, text(`${k}:${i}`)).then((won) => ({ k, i, won })))));
      for (const k of keys) {
        const winners = results.filter((r) => r.k === k && r.won);
        assert.equal(winners.length, 1, `key ${k}`);
        assert.equal(str(await store.get(k)), `${k}:${winners[0]?.i}`);
      }
    });

    void it('refuses keys outside the key rule with LAKE_KEY_INVALID', async () => {
      for (const bad of ['', '/abs', 'a//b', 'a/../b', './a', 'a/\u0001']) {
        await assert.rejects(store.put(bad, text('x')), withCode('LAKE_KEY_INVALID'), JSON.stringify(bad));
        await assert.rejects(store.putIfAbsent(bad, text('x')), withCode('LAKE_KEY_INVALID'), JSON.stringify(bad));
      }
    });

    void it('refuses work after close with CONNECTOR_NOT_STARTED', async () => {
      const s = await make();
      await s.start();
      await s.close();
      await assert.rejects(s.get('x'), withCode('CONNECTOR_NOT_STARTED'));
    });
  });
}
