/** The local LakeStore under kill -9: an object is either absent or whole, for put and putIfAbsent alike. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createLocalLakeStore } from '../../connectors/lake/index.ts';
import { Child } from '../support/lake/child-process.ts';

const CHILD = join(import.meta.dirname, '..', 'support', 'lake', 'store-writer-child.ts');
const root = mkdtempSync(join(tmpdir(), 'gofuture-lake-kill-'));
after(() => rmSync(root, { recursive: true, force: true }));

void describe('local LakeStore killed with kill -9 while writing', () => {
  void it('leaves no partial object under any key', async () => {
    const lakeRoot = join(root, 'lake');
    for (let round = 0; round < 3; round++) {
      const child = new Child(CHILD, [lakeRoot]);
      await child.waitForLine('a first object', (l) => l.startsWith('wrote'));
      await sleep(15 * round);
      await child.kill9();
    }
    const store = createLocalLakeStore({ root: lakeRoot }, { logger: pino({ level: 'silent' }), metrics: new Registry() });
    await store.start();
    const objs = await store.list('objs/');
    assert.ok(objs.length >= 1);
    for (const o of objs) {
      const n = Number(o.key.slice('objs/obj-'.length));
      assert.equal(o.size, 8 * 1024 * 1024, `${o.key} is whole`);
      const bytes = await store.get(o.key);
      assert.ok(bytes?.every((b) => b === n % 251), `${o.key} holds its own bytes`);
    }
    await store.close();
  });
});
