/**
 * Where the window engine's results land: one Warehouse table for every spec (the measures of a
 * window as a JSON object, since specs differ in their measures) and the PubSub channels of live
 * windows. Portable (DuckDB and ClickHouse 18.16): int64 epoch-ms times, a stored date partition,
 * dedup by (spec, window_key, window_start) with the row version.
 */
import type { TableContract } from '../tables/warehouse-tables.ts';

export const SPEC_WINDOWS: TableContract = {
  name: 'spec_windows',
  columns: [
    { name: 'spec', type: 'string' },
    /** The key values joined by '|' ('' for an unkeyed spec). */
    { name: 'window_key', type: 'string' },
    /** The key values as a JSON array (in keyBy order). */
    { name: 'key_values', type: 'string' },
    { name: 'window_start', type: 'int64' },
    { name: 'window_end', type: 'int64' },
    /** Every measure of the spec by name, as a JSON object (numbers or null). */
    { name: 'measures', type: 'string' },
    { name: 'events', type: 'int64' },
    { name: 'is_final', type: 'bool' },
    /** A session window merged into another one: not a window any more (readers skip it). */
    { name: 'retracted', type: 'bool' },
    { name: 'window_date', type: 'date' },
    { name: 'version', type: 'int64' },
  ],
  orderBy: ['spec', 'window_key', 'window_start'],
  partitionBy: 'window_date',
  dedup: { key: ['spec', 'window_key', 'window_start'], version: 'version' },
};

/**
 * A window job's checkpoint table: one row per consumer group holding the whole engine snapshot as
 * JSON, written as ONE single-row insert (atomic on DuckDB and ClickHouse) after the batch's window
 * rows and before its offsets are committed. Private to the job: no subgraph reads it.
 */
export const checkpointTable = (name: string): TableContract => ({
  name,
  columns: [
    { name: 'job', type: 'string' },
    { name: 'state', type: 'string' },
    { name: 'updated_at', type: 'int64' },
    { name: 'version', type: 'int64' },
  ],
  orderBy: ['job'],
  dedup: { key: ['job'], version: 'version' },
});

/** The checkpoints of the windows job (spec_windows). */
export const WINDOW_CHECKPOINTS: TableContract = checkpointTable('window_checkpoints');

/** The checkpoints of the aggregation job (region_windows / platform_windows; the same engine snapshot). */
export const AGGREGATION_CHECKPOINTS: TableContract = checkpointTable('aggregation_checkpoints');

/** The window key of some key values ('' when the spec is unkeyed). */
export const windowKey = (keyValues: readonly string[]): string => keyValues.join('|');

/** One window of a spec as published live (and as GraphQL shows it). */
export interface SpecWindowMessage {
  readonly spec: string;
  readonly key: string;
  readonly keyValues: readonly string[];
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly values: Readonly<Record<string, number | null>>;
  readonly events: number;
  readonly isFinal: boolean;
  readonly retracted: boolean;
}

/** Live windows of one key of a spec. */
export const specKeyChannel = (spec: string, key: string): string => `spec-windows:${spec}:${key}`;
/** Live windows of every key of a spec. */
export const specChannel = (spec: string): string => `spec-windows:${spec}`;

export function isSpecWindowMessage(m: unknown): m is SpecWindowMessage {
  if (typeof m !== 'object' || m === null) return false;
  const o = m as Record<string, unknown>;
  return (
    typeof o['spec'] === 'string' && typeof o['key'] === 'string' && Array.isArray(o['keyValues']) &&
    typeof o['windowStart'] === 'number' && typeof o['windowEnd'] === 'number' && typeof o['values'] === 'object' && o['values'] !== null &&
    typeof o['events'] === 'number' && typeof o['isFinal'] === 'boolean' && typeof o['retracted'] === 'boolean'
  );
}
