/**
 * The SQL model runner (`dbt build` for one logical date): models in dependency order, each rendered
 * (ref/source -> relations of current snapshots), committed (a partitioned model: INSERT OVERWRITE of
 * the logical date's partition; a table: whole overwrite), then tested. Failing rows of every test are
 * stored in `quality.<model>__failures` (partition = logical date) and every result in `quality.runs`.
 * A failed test of severity `error` fails the model: every model downstream of it is skipped and an
 * alert is raised; `warn` only records and alerts at warn level.
 */
import { randomUUID } from 'node:crypto';
import { errorMessage } from '../../schema/errors.ts';
import type { ModelBackend, ResultRow } from './backend.ts';
import { failingRowsSql, testColumn, testId } from './data-tests.ts';
import type { ModelProject, Severity, SqlModel } from './project.ts';
import { render } from './template.ts';

export const QUALITY_RUNS_TABLE = 'quality.runs';
export const failuresTable = (model: string): string => `quality.${model.replace(/\./g, '_')}__failures`;
/** Failing rows kept per test and run. */
const MAX_STORED_FAILURES = 1000;

export interface TestResult {
  readonly test: string;
  readonly kind: string;
  readonly column: string | null;
  readonly severity: Severity;
  readonly status: 'pass' | 'warn' | 'error';
  readonly failures: number;
}

export interface ModelResult {
  readonly model: string;
  readonly status: 'built' | 'failed' | 'skipped';
  readonly rows: number;
  readonly version: number | null;
  readonly tests: readonly TestResult[];
  readonly error: string | null;
}

export interface PipelineAlert {
  readonly severity: 'warn' | 'error';
  readonly source: string;
  readonly message: string;
  readonly logicalDate: string;
  readonly details: Readonly<Record<string, string | number>>;
}

export interface BuildOptions {
  readonly project: ModelProject;
  readonly backend: ModelBackend;
  readonly logicalDate: string;
  /** Layers or model names to build; omitted: every model. */
  readonly select?: readonly string[];
  /** Run the tests only (on the committed tables), building nothing. */
  readonly testOnly?: boolean;
  readonly now?: () => number;
  readonly onAlert?: (alert: PipelineAlert) => Promise<void>;
}

const lit = (v: string): string => `'${v.replace(/'/g, "''")}'`;

export function selectModels(project: ModelProject, select: readonly string[] | undefined): SqlModel[] {
  if (!select || select.length === 0) return [...project.models];
  return project.models.filter((m) => select.includes(m.layer) || select.includes(m.name));
}

/** The relation of a model restricted to what this run built (its logical date's partition). */
async function builtRelation(backend: ModelBackend, m: SqlModel, logicalDate: string): Promise<string> {
  const rel = await backend.relation(m.name);
  return m.materialized === 'partitioned' && m.partitionBy ? `(SELECT * FROM ${rel} AS p WHERE CAST(p."${m.partitionBy}" AS VARCHAR) = ${lit(logicalDate)})` : rel;
}

function valuesSql(rows: readonly ResultRow[], columns: readonly [string, string][]): string {
  const select = columns.map(([n, t]) => `CAST(NULL AS ${t}) AS ${n}`).join(', ');
  if (rows.length === 0) return `SELECT ${select} WHERE false`;
  const v = (x: unknown): string => (x === null || x === undefined ? 'NULL' : typeof x === 'number' || typeof x === 'boolean' ? String(x) : lit(String(x)));
  const tuples = rows.map((r) => `(${columns.map(([n, t]) => `CAST(${v(r[n])} AS ${t})`).join(', ')})`);
  return `SELECT * FROM (VALUES ${tuples.join(', ')}) AS t(${columns.map(([n]) => n).join(', ')})`;
}

async function runTests(o: BuildOptions, m: SqlModel, runId: string): Promise<TestResult[]> {
  const { backend, logicalDate } = o;
  const rel = await builtRelation(backend, m, logicalDate);
  const endOfDay = Date.parse(`${logicalDate}T00:00:00Z`) + 86_400_000;
  const now = Math.min((o.now ?? Date.now)(), endOfDay);
  const results: TestResult[] = [];
  const stored: ResultRow[] = [];
  for (const t of m.tests) {
    const other = t.kind === 'relationships' ? await backend.relation(o.project.resolveRef(t.to, m.file)) : null;
    const sql = failingRowsSql(t, rel, other, now);
    const [count] = await backend.query(`SELECT count(*) AS n FROM (${sql})`);
    const failures = Number(count?.n ?? 0);
    const id = testId(t);
    if (failures > 0) {
      for (const row of await backend.query(`${sql} LIMIT ${MAX_STORED_FAILURES}`)) stored.push({ test: id, severity: t.severity, row_json: JSON.stringify(row) });
    }
    results.push({ test: id, kind: t.kind, column: testColumn(t), severity: t.severity, status: failures === 0 ? 'pass' : t.severity, failures });
  }
  const failuresSql = valuesSql(stored.map((r) => ({ ...r, logical_date: logicalDate, model: m.name })), [['logical_date', 'DATE'], ['model', 'VARCHAR'], ['test', 'VARCHAR'], ['severity', 'VARCHAR'], ['row_json', 'VARCHAR']]);
  await backend.write(failuresTable(m.name), failuresSql, { mode: 'overwrite-partitions', partitionBy: 'logical_date', partitions: [logicalDate] });
  if (results.length > 0) {
    const checkedAt = (o.now ?? Date.now)();
    const rows = results.map((r) => ({ run_id: runId, logical_date: logicalDate, model: m.name, test: r.test, kind: r.kind, column_name: r.column, severity: r.severity, status: r.status, failures: r.failures, checked_at: checkedAt }));
    await backend.write(QUALITY_RUNS_TABLE, valuesSql(rows, [['run_id', 'VARCHAR'], ['logical_date', 'DATE'], ['model', 'VARCHAR'], ['test', 'VARCHAR'], ['kind', 'VARCHAR'], ['column_name', 'VARCHAR'], ['severity', 'VARCHAR'], ['status', 'VARCHAR'], ['failures', 'BIGINT'], ['checked_at', 'BIGINT']]), { mode: 'append', partitionBy: 'logical_date' });
  }
  return results;
}

/** A table's relation; a declared source table that does not exist yet reads as empty. */
async function sourceRelation(project: ModelProject, backend: ModelBackend, table: string): Promise<string> {
  const columns = project.sourceColumns(table);
  if (columns && !(await backend.exists(table))) {
    return `(SELECT ${Object.entries(columns).map(([n, t]) => `CAST(NULL AS ${t}) AS "${n}"`).join(', ')} WHERE false)`;
  }
  return backend.relation(table);
}

export async function buildModels(o: BuildOptions): Promise<ModelResult[]> {
  const { project, backend, logicalDate } = o;
  const runId = randomUUID();
  const failed = new Set<string>();
  const out: ModelResult[] = [];
  const alert = async (a: PipelineAlert): Promise<void> => {
    if (o.onAlert) await o.onAlert(a);
  };
  for (const m of selectModels(project, o.select)) {
    const blocked = m.refs.find((r) => failed.has(r));
    if (blocked) {
      failed.add(m.name);
      out.push({ model: m.name, status: 'skipped', rows: 0, version: null, tests: [], error: `upstream ${blocked} failed` });
      continue;
    }
    let rows = 0;
    let version: number | null = null;
    try {
      if (!o.testOnly) {
        const sql = await render(m.sql, {
          relation: (t) => sourceRelation(project, backend, t),
          resolveRef: (n) => project.resolveRef(n, m.file),
          resolveSource: (l, t) => project.resolveSource(l, t),
          vars: { logical_date: logicalDate },
        });
        const mode = m.materialized === 'partitioned' && m.partitionBy
          ? { mode: 'overwrite-partitions' as const, partitionBy: m.partitionBy, partitions: [logicalDate] }
          : { mode: 'overwrite' as const };
        const w = await backend.write(m.name, sql, mode);
        rows = w.rows;
        version = w.version;
      }
      const tests = await runTests(o, m, runId);
      const errors = tests.filter((t) => t.status === 'error');
      for (const t of tests.filter((x) => x.status !== 'pass')) {
        await alert({ severity: t.status === 'error' ? 'error' : 'warn', source: m.name, logicalDate, message: `test ${t.test} on ${m.name} failed for ${t.failures} row(s)`, details: { test: t.test, failures: t.failures } });
      }
      if (errors.length > 0) {
        failed.add(m.name);
        out.push({ model: m.name, status: 'failed', rows, version, tests, error: `tests failed: ${errors.map((e) => e.test).join(', ')}` });
      } else {
        out.push({ model: m.name, status: 'built', rows, version, tests, error: null });
      }
    } catch (e) {
      failed.add(m.name);
      const message = errorMessage(e);
      await alert({ severity: 'error', source: m.name, logicalDate, message: `model ${m.name} failed: ${message}`, details: {} });
      out.push({ model: m.name, status: 'failed', rows, version, tests: [], error: message });
    }
  }
  return out;
}
