/**
 * Backfill: runs a DAG for every date of a range, one date after another. Resumable: a date whose
 * run already succeeded is skipped (its (dag, task, date) runs are kept), a date left half done by a
 * Ctrl-C or a kill resumes where it stopped, a failed date is retried once more when asked.
 */
import type { DagRunStatus, Orchestrator } from './engine.ts';
import { dateRange } from './dag.ts';

export interface BackfillProgress {
  readonly date: string;
  readonly index: number;
  readonly total: number;
  /** skipped: already succeeded before this backfill. */
  readonly outcome: 'skipped' | 'succeeded' | 'failed' | 'interrupted';
}

export interface BackfillResult {
  readonly dates: readonly BackfillProgress[];
  readonly interrupted: boolean;
}

export async function backfill(o: {
  readonly orchestrator: Orchestrator;
  readonly dag: string;
  readonly from: string;
  readonly to: string;
  readonly signal?: AbortSignal;
  readonly retryFailed?: boolean;
  readonly onProgress?: (p: BackfillProgress) => void;
  readonly onTask?: (s: DagRunStatus) => void;
}): Promise<BackfillResult> {
  o.orchestrator.dag(o.dag);
  const dates = dateRange(o.from, o.to);
  const out: BackfillProgress[] = [];
  for (const [i, date] of dates.entries()) {
    if (o.signal?.aborted) return { dates: out, interrupted: true };
    const before = await o.orchestrator.status(o.dag, date);
    let p: BackfillProgress;
    if (before.state === 'succeeded') {
      p = { date, index: i, total: dates.length, outcome: 'skipped' };
    } else {
      await o.orchestrator.trigger(o.dag, date, before.state === 'failed' && o.retryFailed ? { rerun: 'failed' } : {});
      const s = await o.orchestrator.waitFor(o.dag, date, { ...(o.signal ? { signal: o.signal } : {}), ...(o.onTask ? { onProgress: o.onTask } : {}) });
      p = { date, index: i, total: dates.length, outcome: s.state === 'succeeded' ? 'succeeded' : s.state === 'failed' ? 'failed' : 'interrupted' };
    }
    out.push(p);
    o.onProgress?.(p);
    if (p.outcome === 'interrupted') return { dates: out, interrupted: true };
  }
  return { dates: out, interrupted: false };
}
