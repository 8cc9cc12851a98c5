/**
 * Child of test/unit/lake-local-store-kill.test.ts: putIfAbsent / put of 8 MiB objects in a loop
 * until killed. Each object is `obj-<n>` filled with byte n % 251, so a reader can tell a whole one.
 *   store-writer-child.ts <lakeRoot>
 */
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createLocalLakeStore } from '../../../connectors/lake/index.ts';

const [root = ''] = process.argv.slice(2);
const store = createLocalLakeStore({ root }, { logger: pino({ level: 'silent' }), metrics: new Registry() });
await store.start();
const SIZE = 8 * 1024 * 1024;
for (let n = 0; ; n++) {
  const bytes = new Uint8Array(SIZE).fill(n % 251);
  if (n % 2 === 0) await store.putIfAbsent(`objs/obj-${n}`, bytes);
  else await store.put(`objs/obj-${n}`, bytes);
  console.log(`wrote ${n}`);
}
