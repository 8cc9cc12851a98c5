/**
 * TaskQueue conformance: run unchanged against every implementation (local, pg-boss). Each test uses
 * its own DAG name and its own worker, stopped before the next test starts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NonRetryableTaskError, TERMINAL_STATES, type TaskKey, type TaskPolicy, type TaskQueue, type TaskRun } from '../../connectors/contracts/task-queue.ts';
import { uniqueName, waitFor } from './helpers.ts';

const policy = (o: Partial<TaskPolicy> = {}): TaskPolicy => ({ retries: 0, retryDelayMs: 1, timeoutMs: 10_000, ...o });

export function taskQueueConformance(name: string, make: () => Promise<TaskQueue>, options: { readonly timeoutMs?: number } = {}): void {
  const waitMs = options.timeoutMs ?? 30_000;
  void describe(`TaskQueue conformance: ${name}`, () => {
    let queue: TaskQueue;
    before(async () => {
      queue = await make();
      await queue.start();
    });
    after(async () => {
      await queue.close();
    });

    const settled = async (key: TaskKey): Promise<TaskRun> => {
      let run: TaskRun | undefined;
      await waitFor(`${key.task} to settle`, async () => {
        run = (await queue.runs({ dag: key.dag, task: key.task, logicalDate: key.logicalDate }))[0];
        return run !== undefined && TERMINAL_STATES.has(run.state);
      }, { timeoutMs: waitMs });
      assert.ok(run);
      return run;
    };

    void it('starts idempotently and reports health', async () => {
      await queue.start();
      assert.equal(queue.capability, 'taskQueue');
      assert.equal((await queue.health()).ok, true);
    });

    void it('runs a task once per (dag, task, date): a second enqueue of the key is a no-op', async () => {
      const dag = uniqueName('dag');
      const calls: string[] = [];
      const settledRuns: TaskRun[] = [];
      const worker = await queue.work({ concurrency: 2, handler: async (a) => void calls.push(`${a.task}@${a.logicalDate}#${a.attempt}`), onSettled: async (r) => void settledRuns.push(r) });
      const key = { dag, task: 'extract', logicalDate: '2026-01-01' };
      assert.equal(await queue.enqueue(key, policy()), true);
      const run = await settled(key);
      assert.equal(await queue.enqueue(key, policy()), false);
      await queue.enqueue({ ...key, logicalDate: '2026-01-02' }, policy());
      await settled({ ...key, logicalDate: '2026-01-02' });
      await worker.stop();
      assert.equal(run.state, 'succeeded');
      assert.equal(run.attempts, 1);
      assert.deepEqual(calls.sort(), ['extract@2026-01-01#1', 'extract@2026-01-02#1']);
      assert.deepEqual(settledRuns.map((r) => `${r.logicalDate}:${r.state}`).sort(), ['2026-01-01:succeeded', '2026-01-02:succeeded']);
    });

    void it('retries a failing task until it succeeds, counting attempts', async () => {
      const dag = uniqueName('dag');
      let calls = 0;
      const worker = await queue.work({
        concurrency: 1,
        handler: async () => {
          calls++;
          if (calls < 3) throw new Error(`flaky ${calls}`);
        },
      });
      const key = { dag, task: 'flaky', logicalDate: '2026-01-01' };
      await queue.enqueue(key, policy({ retries: 3 }));
      const run = await settled(key);
      await worker.stop();
      assert.equal(run.state, 'succeeded');
      assert.equal(run.attempts, 3);
      assert.equal(calls, 3);
    });

    void it('fails a run after its retries, keeps the error, and reruns it only when asked', async () => {
      const dag = uniqueName('dag');
      let calls = 0;
      const worker = await queue.work({ concurrency: 1, handler: async () => {
        calls++;
        throw new Error('always broken');
      } });
      const key = { dag, task: 'broken', logicalDate: '2026-01-01' };
      await queue.enqueue(key, policy({ retries: 1 }));
      const run = await settled(key);
      assert.equal(run.state, 'failed');
      assert.equal(run.attempts, 2);
      assert.match(run.error ?? '', /always broken/);
      assert.equal(await queue.enqueue(key, policy()), false);
      assert.equal(await queue.enqueue(key, policy(), { rerunFailed: true }), true);
      await waitFor('the rerun to fail too', async () => calls >= 3, { timeoutMs: waitMs });
      const rerun = await settled(key);
      await worker.stop();
      assert.equal(rerun.state, 'failed');
      assert.equal(calls, 3);
    });

    void it('fails a non-retryable error at once', async () => {
      const dag = uniqueName('dag');
      let calls = 0;
      const worker = await queue.work({ concurrency: 1, handler: async () => {
        calls++;
        throw new NonRetryableTaskError('quality gate');
      } });
      const key = { dag, task: 'gate', logicalDate: '2026-01-01' };
      await queue.enqueue(key, policy({ retries: 5 }));
      const run = await settled(key);
      await worker.stop();
      assert.equal(run.state, 'failed');
      assert.equal(calls, 1);
    });

    void it('ends an attempt at its timeout with the signal aborted', async () => {
      const dag = uniqueName('dag');
      let aborted = false;
      const worker = await queue.work({ concurrency: 1, handler: (a) => new Promise<void>((resolve) => {
        a.signal.addEventListener('abort', () => {
          aborted = true;
          resolve();
        });
      }) });
      const key = { dag, task: 'hang', logicalDate: '2026-01-01' };
      await queue.enqueue(key, policy({ timeoutMs: 200 }));
      const run = await settled(key);
      await worker.stop();
      assert.equal(run.state, 'failed');
      assert.match(run.error ?? '', /timed out/);
      assert.equal(aborted, true);
    });

    void it('runs at most `concurrency` attempts at once', async () => {
      const dag = uniqueName('dag');
      let active = 0;
      let peak = 0;
      let done = 0;
      const worker = await queue.work({ concurrency: 2, handler: async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, 150));
        active--;
        done++;
      } });
      for (let i = 0; i < 6; i++) await queue.enqueue({ dag, task: `t${i}`, logicalDate: '2026-01-01' }, policy());
      await waitFor('six tasks done', () => done === 6, { timeoutMs: waitMs });
      await worker.stop();
      assert.ok(peak <= 2, `peak concurrency ${peak}`);
      assert.ok(peak >= 1);
    });

    void it('marks skipped keys without running them, and lists history newest first with filters', async () => {
      const dag = uniqueName('dag');
      await queue.skip([{ dag, task: 'downstream', logicalDate: '2026-01-03' }], 'upstream failed');
      const runs = await queue.runs({ dag });
      assert.equal(runs.length, 1);
      assert.equal(runs[0]?.state, 'skipped');
      assert.equal(runs[0]?.error, 'upstream failed');
      assert.equal(await queue.enqueue({ dag, task: 'downstream', logicalDate: '2026-01-03' }, policy()), false);
      assert.equal((await queue.runs({ dag, logicalDate: '2026-01-04' })).length, 0);
      assert.ok((await queue.runs({ last: 1 })).length <= 1);
    });

    void it('reset forgets finished runs so the key runs again', async () => {
      const dag = uniqueName('dag');
      let calls = 0;
      const worker = await queue.work({ concurrency: 1, handler: async () => void calls++ });
      const key = { dag, task: 'again', logicalDate: '2026-01-05' };
      await queue.enqueue(key, policy());
      await settled(key);
      await queue.reset([key]);
      assert.equal((await queue.runs(key)).length, 0);
      assert.equal(await queue.enqueue(key, policy()), true);
      await waitFor('the second run', async () => calls === 2 && (await queue.runs(key))[0]?.state === 'succeeded', { timeoutMs: waitMs });
      await worker.stop();
    });
  });
}
