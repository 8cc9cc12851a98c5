/**
 * A SQL model project on disk, laid out as a dbt user expects:
 *   <dir>/sources.yml                 sources: { <layer>: { <name>: <lake table> } }
 *   <dir>/<layer>/<model>.sql         one SELECT per model, with ref()/source()/var() templating
 *   <dir>/<layer>/schema.yml          models: config (materialized, partition_by) and tests
 * A model's name is `<layer>.<file name>` (the lake table it builds). Loaded once, validated with zod
 * (a wrong file is one PIPELINE_MODEL_INVALID naming it), the dependency graph checked for cycles.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import yaml from 'js-yaml';
import { z } from 'zod';
import { PlatformError } from '../../schema/errors.ts';
import { dependencies } from './template.ts';

const severity = z.enum(['warn', 'error']).default('error');
const columnTest = z.union([
  z.enum(['unique', 'not_null']),
  z.object({ unique: z.object({ severity }).strict() }).strict(),
  z.object({ not_null: z.object({ severity }).strict() }).strict(),
  z.object({ accepted_values: z.object({ values: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1), severity }).strict() }).strict(),
  z.object({ relationships: z.object({ to: z.string().min(1), field: z.string().min(1), severity }).strict() }).strict(),
]);
const modelTest = z.union([
  z.object({ expression: z.object({ expression: z.string().min(1), name: z.string().optional(), severity }).strict() }).strict(),
  z.object({ row_count: z.object({ min: z.number().int().min(0).default(1), max: z.number().int().optional(), severity }).strict() }).strict(),
  z.object({ freshness: z.object({ column: z.string().min(1), max_age_hours: z.number().positive(), severity }).strict() }).strict(),
]);
const modelSpec = z.object({
  name: z.string().min(1),
  description: z.string().default(''),
  config: z.object({
    materialized: z.enum(['partitioned', 'table']).default('partitioned'),
    partition_by: z.string().optional(),
  }).strict().prefault({}),
  columns: z.array(z.object({ name: z.string().min(1), description: z.string().default(''), tests: z.array(columnTest).default([]) }).strict()).default([]),
  tests: z.array(modelTest).default([]),
}).strict();
const schemaFile = z.object({ version: z.number().optional(), models: z.array(modelSpec).default([]) }).strict();
const sourceLayer = z.object({
  tables: z.record(z.string(), z.string()),
  /** Columns (DuckDB types) a declared table reads with while it does not exist yet (no record so far). */
  columns: z.record(z.string(), z.string()).default({}),
}).strict();
const sourcesFile = z.object({ sources: z.record(z.string(), sourceLayer) }).strict();

export type Severity = 'warn' | 'error';

export type DataTest =
  | { readonly kind: 'unique'; readonly column: string; readonly severity: Severity }
  | { readonly kind: 'not_null'; readonly column: string; readonly severity: Severity }
  | { readonly kind: 'accepted_values'; readonly column: string; readonly values: readonly (string | number | boolean)[]; readonly severity: Severity }
  | { readonly kind: 'relationships'; readonly column: string; readonly to: string; readonly field: string; readonly severity: Severity }
  | { readonly kind: 'expression'; readonly name: string; readonly expression: string; readonly severity: Severity }
  | { readonly kind: 'row_count'; readonly min: number; readonly max: number | null; readonly severity: Severity }
  | { readonly kind: 'freshness'; readonly column: string; readonly maxAgeHours: number; readonly severity: Severity };

export interface SqlModel {
  readonly name: string;
  readonly layer: string;
  readonly file: string;
  readonly sql: string;
  readonly description: string;
  readonly materialized: 'partitioned' | 'table';
  readonly partitionBy: string | null;
  readonly columns: readonly { readonly name: string; readonly description: string }[];
  /** Full names of the models it refs. */
  readonly refs: readonly string[];
  /** Lake tables of the sources it reads. */
  readonly sources: readonly string[];
  readonly tests: readonly DataTest[];
}

export interface ModelProject {
  readonly dir: string;
  /** In dependency order (a model after every model it refs). */
  readonly models: readonly SqlModel[];
  readonly sources: Readonly<Record<string, { readonly tables: Readonly<Record<string, string>>; readonly columns: Readonly<Record<string, string>> }>>;
  /** Columns of a source table that may not exist yet (it then reads as empty), or null. */
  sourceColumns(table: string): Readonly<Record<string, string>> | null;
  model(name: string): SqlModel | undefined;
  resolveRef(name: string, from?: string): string;
  resolveSource(layer: string, table: string): string;
}

function invalid(file: string, message: string): PlatformError {
  return new PlatformError('PIPELINE_MODEL_INVALID', `${file}: ${message}`, { file });
}

async function readYaml<S extends z.ZodType>(file: string, schema: S): Promise<z.output<S>> {
  let raw: unknown;
  try {
    raw = yaml.load(await readFile(file, 'utf8'));
  } catch (e) {
    throw invalid(file, (e as Error).message);
  }
  const r = schema.safeParse(raw ?? {});
  if (!r.success) {
    const i = r.error.issues[0];
    throw invalid(file, `${(i?.path ?? []).join('.')}: ${i?.message ?? 'invalid'}`);
  }
  return r.data;
}

function toTests(spec: z.output<typeof modelSpec>): DataTest[] {
  const out: DataTest[] = [];
  for (const col of spec.columns) {
    for (const t of col.tests) {
      if (t === 'unique' || t === 'not_null') out.push({ kind: t, column: col.name, severity: 'error' });
      else if ('unique' in t) out.push({ kind: 'unique', column: col.name, severity: t.unique.severity });
      else if ('not_null' in t) out.push({ kind: 'not_null', column: col.name, severity: t.not_null.severity });
      else if ('accepted_values' in t) out.push({ kind: 'accepted_values', column: col.name, values: t.accepted_values.values, severity: t.accepted_values.severity });
      else out.push({ kind: 'relationships', column: col.name, to: t.relationships.to.replace(/^ref\('(.+)'\)$/, '$1'), field: t.relationships.field, severity: t.relationships.severity });
    }
  }
  for (const t of spec.tests) {
    if ('expression' in t) out.push({ kind: 'expression', name: t.expression.name ?? t.expression.expression, expression: t.expression.expression, severity: t.expression.severity });
    else if ('row_count' in t) out.push({ kind: 'row_count', min: t.row_count.min, max: t.row_count.max ?? null, severity: t.row_count.severity });
    else out.push({ kind: 'freshness', column: t.freshness.column, maxAgeHours: t.freshness.max_age_hours, severity: t.freshness.severity });
  }
  return out;
}

/** Orders models so that every model comes after the ones it refs; a cycle is an error naming it. */
export function dependencyOrder<T extends { readonly name: string; readonly refs: readonly string[] }>(models: readonly T[]): T[] {
  const byName = new Map(models.map((m) => [m.name, m]));
  const state = new Map<string, 'visiting' | 'done'>();
  const out: T[] = [];
  const visit = (m: T, path: string[]): void => {
    const s = state.get(m.name);
    if (s === 'done') return;
    if (s === 'visiting') throw new PlatformError('PIPELINE_MODEL_INVALID', `dependency cycle: ${[...path, m.name].join(' -> ')}`);
    state.set(m.name, 'visiting');
    for (const r of m.refs) {
      const dep = byName.get(r);
      if (dep) visit(dep, [...path, m.name]);
    }
    state.set(m.name, 'done');
    out.push(m);
  };
  for (const m of [...models].sort((a, b) => a.name.localeCompare(b.name))) visit(m, []);
  return out;
}

export async function loadProject(dir: string): Promise<ModelProject> {
  const sources = (await readYaml(join(dir, 'sources.yml'), sourcesFile)).sources;
  const entries = await readdir(dir, { withFileTypes: true });
  const raw: { name: string; layer: string; file: string; sql: string; rawRefs: string[]; sources: [string, string][] }[] = [];
  const specs = new Map<string, z.output<typeof modelSpec>>();
  for (const layerDir of entries.filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
    const files = (await readdir(join(dir, layerDir))).sort();
    for (const f of files.filter((x) => x.endsWith('.sql'))) {
      const file = join(dir, layerDir, f);
      const sql = await readFile(file, 'utf8');
      let deps;
      try {
        deps = dependencies(sql);
      } catch (e) {
        throw invalid(file, (e as Error).message);
      }
      raw.push({ name: `${layerDir}.${basename(f, '.sql')}`, layer: layerDir, file, sql, rawRefs: deps.refs, sources: deps.sources });
    }
    if (files.includes('schema.yml')) {
      const file = join(dir, layerDir, 'schema.yml');
      for (const m of (await readYaml(file, schemaFile)).models) {
        const full = m.name.includes('.') ? m.name : `${layerDir}.${m.name}`;
        if (!raw.some((r) => r.name === full)) throw invalid(file, `model ${m.name} has no ${m.name}.sql`);
        specs.set(full, m);
      }
    }
  }
  const names = raw.map((r) => r.name);
  const resolveRef = (name: string, from = ''): string => {
    if (names.includes(name)) return name;
    const hits = names.filter((n) => n.endsWith(`.${name}`));
    if (hits.length === 1 && hits[0]) return hits[0];
    throw new PlatformError('PIPELINE_MODEL_INVALID', `${from ? `${from}: ` : ''}ref('${name}') ${hits.length ? `is ambiguous (${hits.join(', ')})` : 'names no model'}`);
  };
  const resolveSource = (layer: string, table: string): string => {
    const t = sources[layer]?.tables[table];
    if (!t) throw new PlatformError('PIPELINE_MODEL_INVALID', `source('${layer}', '${table}') is not declared in sources.yml`);
    return t;
  };
  const models: SqlModel[] = raw.map((r) => {
    const spec = specs.get(r.name);
    const materialized = spec?.config.materialized ?? 'partitioned';
    const partitionBy = spec?.config.partition_by ?? null;
    if (materialized === 'partitioned' && !partitionBy) throw invalid(r.file, 'a partitioned model needs config.partition_by in schema.yml');
    const tests = spec ? toTests(spec) : [];
    for (const t of tests) if (t.kind === 'relationships') resolveRef(t.to, r.file);
    return {
      name: r.name, layer: r.layer, file: r.file, sql: r.sql, description: spec?.description ?? '',
      materialized, partitionBy, columns: (spec?.columns ?? []).map((c) => ({ name: c.name, description: c.description })),
      refs: r.rawRefs.map((x) => resolveRef(x, r.file)), sources: r.sources.map(([l, t]) => resolveSource(l, t)), tests,
    };
  });
  // a relationships test reads its target: the target is built first (as dbt orders a test after both models)
  const ordered = dependencyOrder(models.map((m) => ({
    name: m.name,
    refs: [...m.refs, ...m.tests.flatMap((t) => (t.kind === 'relationships' ? [resolveRef(t.to, m.file)] : []))],
    model: m,
  }))).map((x) => x.model);
  return {
    dir,
    models: ordered,
    sources,
    sourceColumns: (table) => {
      for (const layer of Object.values(sources)) if (Object.values(layer.tables).includes(table) && Object.keys(layer.columns).length > 0) return layer.columns;
      return null;
    },
    model: (name) => ordered.find((m) => m.name === name),
    resolveRef,
    resolveSource,
  };
}
