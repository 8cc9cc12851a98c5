/**
 * Batch inserts for the ClickHouse warehouse: rows checked against the contract, split into rounds
 * (a key at most once per INSERT on dedup tables, so equal versions resolve in arrival order), into
 * batches of `insertBatchSize`, and a failing batch bisected down to single rows so the good rows
 * land and the bad ones come back with the server's own message.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { TableContract } from '../../schema/tables/warehouse-tables.ts';
import type { RejectedRow, Row } from '../contracts/warehouse.ts';
import { isServerError, serverMessage } from './clickhouse-client.ts';
import { ident } from './clickhouse-sql.ts';
import { insertObject } from './clickhouse-values.ts';

export interface InsertTally {
  inserted: number;
  readonly rejected: RejectedRow[];
}

/**
 * Rows the server would take wrongly or not at all are rejected before it: keys the table does not
 * have, values no column can hold, non-finite numbers, and a null or missing value in a non-nullable
 * column (ClickHouse's JSONEachRow silently stores the type's default there, 0 or '', on 18.16 and,
 * with the default input_format_null_as_default, on current servers too).
 */
export function precheck(t: TableContract, rows: readonly Row[], rejected: RejectedRow[]): Row[] {
  const cols = new Set(t.columns.map((c) => c.name));
  const required = t.columns.filter((c) => !c.nullable).map((c) => c.name);
  const ok: Row[] = [];
  for (const row of rows) {
    const unknown = Object.keys(row).find((k) => !cols.has(k));
    const bad = Object.entries(row).find(([, v]) => v !== null && typeof v === 'object');
    const nonFinite = Object.entries(row).find(([, v]) => typeof v === 'number' && !Number.isFinite(v));
    const nul = required.find((c) => row[c] === null || row[c] === undefined);
    if (unknown !== undefined) rejected.push({ row, reason: `table ${t.name} has no column "${unknown}"` });
    else if (bad) rejected.push({ row, reason: `column "${bad[0]}": unsupported value type ${typeof bad[1]}` });
    else if (nonFinite) rejected.push({ row, reason: `column "${nonFinite[0]}": ${String(nonFinite[1])} is not a finite number` });
    else if (nul !== undefined) rejected.push({ row, reason: `column "${nul}" is not nullable: NULL (or a missing value) cannot be stored` });
    else ok.push(row);
  }
  return ok;
}

/**
 * For dedup tables: splits rows into rounds where each key appears at most once (round k holds the
 * k-th row of every key); each round is its own INSERT (its own part), so a later row of a key
 * outranks an earlier one of equal version.
 */
export function dedupRounds(t: TableContract, rows: readonly Row[]): Row[][] {
  const dedup = t.dedup;
  if (!dedup) return rows.length > 0 ? [rows.slice()] : [];
  const seen = new Map<string, number>();
  const rounds: Row[][] = [];
  for (const row of rows) {
    const k = JSON.stringify(dedup.key.map((c) => row[c] ?? null));
    const i = seen.get(k) ?? 0;
    seen.set(k, i + 1);
    (rounds[i] ??= []).push(row);
  }
  return rounds;
}

export function batches<T>(rows: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

/** One INSERT ... FORMAT JSONEachRow of `rows` into `physical`. A parse error anywhere fails the whole statement. */
export async function insertRows(client: ClickHouseClient, physical: string, t: TableContract, rows: readonly Row[]): Promise<void> {
  await client.insert({ table: ident(physical), values: rows.map((r) => insertObject(t, r)), format: 'JSONEachRow' });
}

/**
 * Inserts `rows`; if the server refuses the statement, halves it until the bad rows are alone (and
 * rejected with the server's message). A transport failure is rethrown: those rows are not bad.
 */
export async function bisectInsert(client: ClickHouseClient, physical: string, t: TableContract, rows: readonly Row[], out: InsertTally): Promise<void> {
  if (rows.length === 0) return;
  try {
    await insertRows(client, physical, t, rows);
    out.inserted += rows.length;
  } catch (e) {
    if (!isServerError(e)) throw e;
    const [only] = rows;
    if (rows.length === 1 && only) {
      out.rejected.push({ row: only, reason: serverMessage(e) });
      return;
    }
    const mid = rows.length >> 1;
    await bisectInsert(client, physical, t, rows.slice(0, mid), out);
    await bisectInsert(client, physical, t, rows.slice(mid), out);
  }
}
