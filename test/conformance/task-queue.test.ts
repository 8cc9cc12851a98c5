/** The TaskQueue conformance suite against the local (embedded) queue, and its state across a restart. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { ConnectorContext } from '../../connectors/contracts/connector.ts';
import { LocalTaskQueue } from '../../connectors/queue/index.ts';
import { taskQueueConformance } from './task-queue.suite.ts';

const root = mkdtempSync(join(tmpdir(), 'gofuture-taskqueue-'));
after(() => rmSync(root, { recursive: true, force: true }));
const ctx = (): ConnectorContext => ({ logger: pino({ level: 'silent' }), metrics: new Registry() });

taskQueueConformance('local (memory)', async () => new LocalTaskQueue({ maxHistory: 5000 }, ctx()));
taskQueueConformance('local (state file)', async () => new LocalTaskQueue({ path: join(root, 'a', 'runs.json'), maxHistory: 5000 }, ctx()));

void describe('local task queue across a restart', () => {
  void it('keeps finished runs (a rerun is a no-op) and queues again what a dead process left running', async () => {
    const path = join(root, 'restart', 'runs.json');
    const first = new LocalTaskQueue({ path, maxHistory: 5000 }, ctx());
    await first.start();
    const p = { retries: 0, retryDelayMs: 1, timeoutMs: 5000 };
    let release: () => void = () => undefined;
    const w = await first.work({ concurrency: 1, handler: async (a) => {
      if (a.task === 'slow') await new Promise<void>((r) => (release = r));
    } });
    await first.enqueue({ dag: 'd', task: 'fast', logicalDate: '2026-01-01' }, p);
    await new Promise((r) => setTimeout(r, 50));
    await first.enqueue({ dag: 'd', task: 'slow', logicalDate: '2026-01-01' }, p);
    await new Promise((r) => setTimeout(r, 50));
    // simulate a crash: read the state file as a new process would, while `slow` is running
    const second = new LocalTaskQueue({ path, maxHistory: 5000 }, ctx());
    await second.start();
    const runs = await second.runs({ dag: 'd' });
    assert.equal(runs.find((r) => r.task === 'fast')?.state, 'succeeded');
    assert.equal(runs.find((r) => r.task === 'slow')?.state, 'queued');
    assert.equal(await second.enqueue({ dag: 'd', task: 'fast', logicalDate: '2026-01-01' }, p), false);
    const ran: string[] = [];
    const w2 = await second.work({ concurrency: 1, handler: async (a) => void ran.push(a.task) });
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(ran, ['slow']);
    await w2.stop();
    await second.close();
    release();
    await w.stop();
    await first.close();
  });
});
