/** Warehouse rows of the metrics subgraph and their GraphQL-facing shapes. */
import type { Row } from '../../connectors/contracts/warehouse.ts';
import { num, numOrNull, str, strOrNull } from '../common/index.ts';

export interface JobStatusNode {
  readonly job: string;
  readonly state: string;
  readonly processed: number;
  readonly deadLettered: number;
  readonly lastError: string | null;
  readonly updatedAt: number;
  readonly stoppedAt: number | null;
}

/** The state a job status row shows when read at `now`: `stale` for a running row without a heartbeat within `staleAfterMs`. */
export function shownJobState(stored: string, updatedAt: number, now: number, staleAfterMs: number): string {
  return stored === 'running' && now - updatedAt > staleAfterMs ? 'stale' : stored;
}

export function toJobStatus(r: Row, now: number, staleAfterMs: number): JobStatusNode {
  const updatedAt = num(r['updated_at']);
  const state = shownJobState(str(r['state']), updatedAt, now, staleAfterMs);
  return {
    job: str(r['job']),
    state,
    stoppedAt: state === 'stopped' ? updatedAt : null,
    processed: num(r['processed']),
    deadLettered: num(r['dead_lettered']),
    lastError: strOrNull(r['last_error']),
    updatedAt: num(r['updated_at']),
  };
}

/** One tumbling window of the stream aggregation, platform-wide (regionId null) or of one region. */
export interface WindowNode {
  readonly regionId: string | null;
  readonly windowMinutes: number;
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly tripCount: number;
  readonly completedCount: number;
  readonly cancelledCount: number;
  readonly cancellationRate: number;
  readonly averagePrice: number | null;
  readonly revenue: number;
  readonly isFinal: boolean;
}

export const WINDOW_COLUMNS = [
  'window_minutes', 'window_start', 'window_end', 'trip_count', 'completed_count', 'cancelled_count',
  'cancellation_rate', 'avg_price', 'revenue', 'is_final',
].join(', ');

export function toWindow(r: Row): WindowNode {
  return {
    regionId: r['region_id'] === undefined ? null : strOrNull(r['region_id']),
    windowMinutes: num(r['window_minutes']),
    windowStart: num(r['window_start']),
    windowEnd: num(r['window_end']),
    tripCount: num(r['trip_count']),
    completedCount: num(r['completed_count']),
    cancelledCount: num(r['cancelled_count']),
    cancellationRate: num(r['cancellation_rate']),
    averagePrice: numOrNull(r['avg_price']),
    revenue: num(r['revenue']),
    isFinal: r['is_final'] === true || r['is_final'] === 1 || r['is_final'] === '1' || r['is_final'] === 'true',
  };
}
