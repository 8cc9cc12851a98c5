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
import { fanoutDag, pgQueue } from './support/dag-worker.ts';
import { Orchestrator } from '../../jobs/orchestrator/engine.ts';
import { createAlertSink } from '../../jobs/orchestrator/alerts.ts';

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

void describe('orchestrator on pg-boss: several worker processes share one DAG run', () => {
  before(() => requirePostgres());

  void it('runs every task once, spread over the workers, and the join after all of them', { timeout: 120_000 }, async () => {
    const table = uniqueName('runs');
    const queueName = uniqueName('tasks');
    const queue = pgQueue(PG_URL, table, queueName);
    await queue.start();
    const script = fileURLToPath(new URL('./support/dag-worker.ts', import.meta.url));
    const children = [0, 1].map(() => spawn(process.execPath, [script, PG_URL, table, queueName], { stdio: ['ignore', 'pipe', 'inherit'] }));
    try {
      const ready = children.map((c) => {
        const lines: string[] = [];
        createInterface({ input: c.stdout! }).on('line', (l) => lines.push(l));
        return lines;
      });
      await waitFor('both workers ready', () => ready.every((l) => l.includes('ready')), { timeoutMs: 30_000 });
      const logger = pino({ level: 'silent' });
      // this process only triggers and watches: it runs no worker
      const o = new Orchestrator({ queue, dags: [fanoutDag()], alerts: createAlertSink({ metrics: new Registry(), logger }), logger });
      await o.trigger('fanout', '2026-01-01');
      const s = await o.waitFor('fanout', '2026-01-01');
      assert.equal(s.state, 'succeeded');
      assert.equal(s.tasks.length, 9);
      assert.ok(s.tasks.every((t) => t.attempts === 1));
      const workers = new Set(s.tasks.filter((t) => t.task.startsWith('part_')).map((t) => t.worker));
      assert.equal(workers.size, 2, `parts ran on ${[...workers].join(', ')}`);
      const join = s.tasks.find((t) => t.task === 'join');
      const lastPart = Math.max(...s.tasks.filter((t) => t.task.startsWith('part_')).map((t) => t.finishedAt ?? 0));
      assert.ok((join?.startedAt ?? 0) >= lastPart, 'join starts after every part finished');
    } finally {
      for (const c of children) c.kill('SIGKILL');
      await Promise.all(children.map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => c.once('exit', r)))));
      await queue.close();
    }
  });
});
