/**
 * The TaskQueue conformance suite on real PostgreSQL (pg-boss), and the kill -9 case: a task whose
 * worker process is killed mid-task is retried by another worker once the dead one's heartbeat lapses.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { PgBossTaskQueue } from '../../connectors/queue/index.ts';
import { taskQueueConformance } from '../conformance/task-queue.suite.ts';
import { uniqueName, waitFor } from '../conformance/helpers.ts';
import { PG_URL, requirePostgres } from './support/postgres.ts';

const ctx = () => ({ logger: pino({ level: 'silent' }), metrics: new Registry() });
const make = (table: string, queue: string): PgBossTaskQueue =>
  new PgBossTaskQueue({ url: PG_URL, table, queue, schema: 'pgboss', heartbeatSeconds: 10, superviseIntervalSeconds: 1, pollingIntervalSeconds: 0.5 }, ctx());

taskQueueConformance('pg-boss', async () => {
  await requirePostgres();
  return make(uniqueName('runs'), uniqueName('tasks'));
}, { timeoutMs: 60_000 });

void describe('pg-boss task queue: kill -9 of a worker mid-task', () => {
  before(() => requirePostgres());

  void it('retries the task on another worker process; the run ends succeeded with two attempts', { timeout: 120_000 }, async () => {
    const table = uniqueName('runs');
    const queueName = uniqueName('tasks');
    const queue = make(table, queueName);
    await queue.start();
    try {
      const script = fileURLToPath(new URL('./support/task-queue-worker.ts', import.meta.url));
      const child = spawn(process.execPath, [script, PG_URL, table, queueName], { stdio: ['ignore', 'pipe', 'inherit'] });
      const lines: string[] = [];
      createInterface({ input: child.stdout }).on('line', (l) => lines.push(l));
      await waitFor('the child worker to be ready', () => lines.includes('ready'), { timeoutMs: 30_000 });
      const key = { dag: 'kill_test', task: 'hang', logicalDate: '2026-01-01' };
      await queue.enqueue(key, { retries: 2, retryDelayMs: 0, timeoutMs: 60_000 });
      await waitFor('the child to start the task', () => lines.includes('started hang 1'), { timeoutMs: 30_000 });
      const before = (await queue.runs(key))[0];
      assert.equal(before?.state, 'running');
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      // a second worker in this process; the task no longer hangs here
      const seen: number[] = [];
      const worker = await queue.work({ concurrency: 1, handler: async (a) => void seen.push(a.attempt) });
      await waitFor('the task to be retried and succeed', async () => (await queue.runs(key))[0]?.state === 'succeeded', { timeoutMs: 90_000 });
      await worker.stop();
      const run = (await queue.runs(key))[0];
      assert.equal(run?.attempts, 2);
      assert.deepEqual(seen, [2]);
      assert.notEqual(run?.worker, before?.worker);
    } finally {
      await queue.close();
    }
  });
});
