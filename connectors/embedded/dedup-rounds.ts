/** Splitting a batch for a dedup table so that no statement touches one key twice. */
import type { Row } from '../contracts/warehouse.ts';
import type { TableContract } from '../../schema/tables/warehouse-tables.ts';

export interface Staged {
  readonly row: Row;
  /** Index in the staging table. */
  i: number;
}

/**
 * Splits rows into rounds where each key appears at most once (round k holds the k-th row of every
 * key), so one statement never upserts a key twice and later rows apply after earlier ones.
 * Tables without dedup have one round.
 */
export function dedupRounds(t: TableContract, rows: readonly Row[]): Staged[][] {
  const dedup = t.dedup;
  if (!dedup) return [rows.map((row) => ({ row, i: 0 }))];
  const seen = new Map<string, number>();
  const rounds: Staged[][] = [];
  for (const row of rows) {
    const k = dedup.key.map((c) => String(row[c] ?? '')).join('\u0000');
    const n = seen.get(k) ?? 0;
    seen.set(k, n + 1);
    (rounds[n] ??= []).push({ row, i: 0 });
  }
  return rounds;
}
