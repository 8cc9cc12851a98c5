/**
 * dbt-style data tests compiled to SQL: each yields the failing rows of the model's relation (for a
 * partitioned model, of the partition just built). unique, not_null, accepted_values, relationships,
 * expression, row_count (min/max) and freshness (newest value of a column no older than N hours).
 */
import type { DataTest } from './project.ts';

const q = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const lit = (v: string | number | boolean): string => (typeof v === 'string' ? `'${v.replace(/'/g, "''")}'` : String(v));

export function testId(t: DataTest): string {
  switch (t.kind) {
    case 'unique':
    case 'not_null':
    case 'accepted_values':
      return `${t.kind}_${t.column}`;
    case 'relationships':
      return `relationships_${t.column}_to_${t.to.replace(/\W/g, '_')}`;
    case 'expression':
      return `expression_${t.name.replace(/\W+/g, '_').replace(/^_|_$/g, '').slice(0, 60)}`;
    case 'row_count':
      return 'row_count';
    case 'freshness':
      return `freshness_${t.column}`;
  }
}

export function testColumn(t: DataTest): string | null {
  return 'column' in t ? t.column : null;
}

/**
 * SQL yielding the failing rows. `rel` is the model's relation (already filtered to the partition),
 * `other` the relation of a relationships target; `now` epoch ms for freshness.
 */
export function failingRowsSql(t: DataTest, rel: string, other: string | null, nowMs: number): string {
  switch (t.kind) {
    case 'unique':
      return `SELECT ${q(t.column)}, count(*) AS occurrences FROM ${rel} AS m WHERE ${q(t.column)} IS NOT NULL GROUP BY ${q(t.column)} HAVING count(*) > 1`;
    case 'not_null':
      return `SELECT * FROM ${rel} AS m WHERE ${q(t.column)} IS NULL`;
    case 'accepted_values':
      return `SELECT * FROM ${rel} AS m WHERE ${q(t.column)} IS NOT NULL AND ${q(t.column)} NOT IN (${t.values.map(lit).join(', ')})`;
    case 'relationships':
      return `SELECT m.* FROM ${rel} AS m WHERE m.${q(t.column)} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${other ?? '(SELECT NULL)'} AS o WHERE o.${q(t.field)} = m.${q(t.column)})`;
    case 'expression':
      return `SELECT * FROM ${rel} AS m WHERE NOT COALESCE((${t.expression}), false)`;
    case 'row_count': {
      const cond = [`n < ${t.min}`, ...(t.max !== null ? [`n > ${t.max}`] : [])].join(' OR ');
      return `SELECT n AS row_count FROM (SELECT count(*) AS n FROM ${rel} AS m) WHERE ${cond}`;
    }
    case 'freshness': {
      // the column holds epoch milliseconds (the platform's convention for event times)
      return `SELECT newest, ${nowMs} - newest AS age_ms FROM (SELECT max(CAST(${q(t.column)} AS DOUBLE)) AS newest FROM ${rel} AS m) WHERE newest IS NULL OR ${nowMs} - newest > ${t.maxAgeHours * 3_600_000}`;
    }
  }
}
