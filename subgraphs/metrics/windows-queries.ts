/**
 * Spec windows from the Warehouse (SPEC_WINDOWS), in the portable SQL subset (DuckDB and ClickHouse
 * 18.16): `{name}` parameters bound by the connector, no engine functions. Retracted session
 * windows are skipped; the measures column is the JSON object the windows job wrote.
 */
import type { Row, Warehouse } from '../../connectors/contracts/warehouse.ts';
import { SPEC_WINDOWS } from '../../schema/windows/window-tables.ts';
import { num, SqlConditions, str } from '../common/index.ts';

export interface SpecWindowNode {
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

export interface SpecWindowQuery {
  readonly spec: string;
  /** null: every key of the spec. */
  readonly key: string | null;
  readonly from: number | null;
  readonly to: number | null;
  readonly finalOnly: boolean;
  readonly last: number;
}

const bool = (v: unknown): boolean => v === true || v === 1 || v === '1' || v === 'true';

function parseJson<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export function toSpecWindow(r: Row): SpecWindowNode {
  return {
    spec: str(r['spec']),
    key: str(r['window_key']),
    keyValues: parseJson<string[]>(str(r['key_values']), []),
    windowStart: num(r['window_start']),
    windowEnd: num(r['window_end']),
    values: parseJson<Record<string, number | null>>(str(r['measures']), {}),
    events: num(r['events']),
    isFinal: bool(r['is_final']),
    retracted: bool(r['retracted']),
  };
}

/** The newest `last` windows of a spec (one key or all), oldest first. */
export async function specWindows(wh: Warehouse, q: SpecWindowQuery): Promise<SpecWindowNode[]> {
  const conds = new SqlConditions()
    .add('spec = {spec}', { spec: q.spec })
    .add('retracted = {retracted}', { retracted: false })
    .addIf(q.key, 'window_key = {key}', 'key')
    .addIf(q.from, 'window_start >= {from}', 'from')
    .addIf(q.to, 'window_start < {to}', 'to');
  if (q.finalOnly) conds.add('is_final = {final}', { final: true });
  const rows = await wh.query(
    `SELECT spec, window_key, key_values, window_start, window_end, measures, events, is_final, retracted FROM ${SPEC_WINDOWS.name}${conds.where()} ORDER BY window_start DESC, window_key DESC LIMIT {last}`,
    conds.params({ last: q.last }),
  );
  return rows.map(toSpecWindow).reverse();
}
