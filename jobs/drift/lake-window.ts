/**
 * A current window read from a lake table: the rows of one day (by a timestamp or date column),
 * optionally of one model (a prediction log holds every model's), with the reference's column names
 * picked from the table (or mapped from SQL expressions). Columns the table lacks are left out.
 */
import { quoteIdent, quoteLiteral } from '../lake/delta/delta-schema.ts';
import { resolveRelation, type LakeTables } from '../lake/delta/index.ts';
import type { Value } from './binning.ts';
import type { CurrentWindowSource } from './drift-check.ts';

export interface LakeWindowOptions {
  readonly lake: LakeTables;
  readonly table: string;
  /** The column that places a row in a day (a TIMESTAMPTZ is taken in UTC). */
  readonly timeColumn: string;
  /** Stored with the report (e.g. `prediction_log`, `features`). */
  readonly source: string;
  /** Column holding the model name, when the table mixes models. */
  readonly modelColumn?: string;
  /** Reference column -> SQL expression over the table (default: the column of that name). */
  readonly columns?: Readonly<Record<string, string>>;
  /** An extra SQL condition over the table (alias `t`), e.g. `t.variant <> 'shadow'`. */
  readonly where?: string;
  /** Most rows read (a uniform sample above). */
  readonly maxRows?: number;
}

export function lakeTableWindow(o: LakeWindowOptions): CurrentWindowSource {
  return {
    async window(model, date, wanted) {
      if (!(await o.lake.table(o.table).exists())) return null;
      const { sql, snapshot } = await resolveRelation(o.lake, o.table);
      const have = new Set(snapshot.schema.map((f) => f.name));
      const exprs = wanted.flatMap((name) => {
        const e = o.columns?.[name];
        if (e) return [`${e} AS ${quoteIdent(name)}`];
        return have.has(name) ? [`t.${quoteIdent(name)} AS ${quoteIdent(name)}`] : [];
      });
      if (exprs.length === 0) return null;
      const where = [`CAST(timezone('UTC', t.${quoteIdent(o.timeColumn)}::TIMESTAMPTZ) AS DATE) = DATE ${quoteLiteral(date)}`];
      if (o.where) where.push(`(${o.where})`);
      if (o.modelColumn) where.push(`t.${quoteIdent(o.modelColumn)} = ${quoteLiteral(model)}`);
      const limit = o.maxRows ? `USING SAMPLE ${Math.floor(o.maxRows)} ROWS` : '';
      const conn = await o.lake.connection();
      const rows = (await conn.runAndReadAll(`SELECT ${exprs.join(', ')} FROM ${sql} AS t WHERE ${where.join(' AND ')} ${limit}`)).getRowObjectsJS() as Record<string, unknown>[];
      if (rows.length === 0) return null;
      const names = Object.keys(rows[0] ?? {});
      const frame: Record<string, (Value | null)[]> = {};
      for (const n of names) frame[n] = rows.map((r) => toValue(r[n]));
      return { frame, source: o.source };
    },
  };
}

function toValue(v: unknown): Value | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return String(v);
}
