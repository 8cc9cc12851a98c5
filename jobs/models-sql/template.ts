/**
 * The model templating, a small dbt-like subset: `{{ ref('model') }}`, `{{ source('layer', 'table') }}`,
 * `{{ var('logical_date') }}` (a DATE literal), `{{ failed_rule('set') }}` / `{{ failed_reason('set') }}`
 * (the declarative validation rules of schema/lake/silver-rules.ts as CASE expressions),
 * `{{ regions() }}` (region reference data as a relation) and `{{ amount_category('expr') }}`.
 * Arguments are single-quoted strings; nothing else is evaluated.
 */
import { PlatformError } from '../../schema/errors.ts';
import { AMOUNT_CATEGORIES, VALIDATION_RULES } from '../../schema/lake/silver-rules.ts';
import { REGION_ZONES } from '../../schema/lake/region-zones.ts';

export interface TemplateCall {
  readonly fn: string;
  readonly args: readonly string[];
  readonly text: string;
}

const CALL = /\{\{\s*([a-z_]+)\s*\(\s*((?:'[^']*'\s*,?\s*)*)\)\s*\}\}/g;
const ARG = /'([^']*)'/g;

export function parseCalls(sql: string): TemplateCall[] {
  const out: TemplateCall[] = [];
  for (const m of sql.matchAll(CALL)) {
    const args = [...(m[2] ?? '').matchAll(ARG)].map((a) => a[1] ?? '');
    out.push({ fn: m[1] ?? '', args, text: m[0] });
  }
  const leftover = sql.replace(CALL, '').match(/\{\{[^}]*\}\}/);
  if (leftover) throw new PlatformError('PIPELINE_MODEL_INVALID', `unsupported template expression ${leftover[0]}`);
  return out;
}

/** The refs and sources a model's SQL names (for the DAG and lineage). */
export function dependencies(sql: string): { refs: string[]; sources: [string, string][] } {
  const refs: string[] = [];
  const sources: [string, string][] = [];
  for (const c of parseCalls(sql)) {
    if (c.fn === 'ref' && c.args[0]) refs.push(c.args[0]);
    if (c.fn === 'source' && c.args[0] && c.args[1]) sources.push([c.args[0], c.args[1]]);
  }
  return { refs, sources };
}

const quote = (s: string): string => `'${s.replace(/'/g, "''")}'`;

function rulesCase(set: string, pick: 'name' | 'reason'): string {
  const rules = VALIDATION_RULES[set];
  if (!rules) throw new PlatformError('PIPELINE_MODEL_INVALID', `unknown validation rule set "${set}"`);
  const whens = rules.map((r) => {
    const applies = r.eventTypes.length ? `event_type IN (${r.eventTypes.map(quote).join(', ')}) AND ` : '';
    return `WHEN ${applies}NOT COALESCE((${r.check}), false) THEN ${quote(pick === 'name' ? r.name : r.reason)}`;
  });
  return `(CASE ${whens.join(' ')} ELSE NULL END)`;
}

function regionsRelation(): string {
  const rows = REGION_ZONES.map((r) => `(${quote(r.regionId)}, ${quote(r.name)}, ${quote(r.city)}, ${quote(r.timeZone)}, ${r.utcOffsetHours}, ${r.highRisk})`);
  return `(SELECT * FROM (VALUES ${rows.join(', ')}) AS regions(region_id, region_name, city, time_zone, utc_offset_hours, high_risk_region))`;
}

function amountCategory(expr: string): string {
  if (!/^[a-z_][a-z0-9_.]*$/i.test(expr)) throw new PlatformError('PIPELINE_MODEL_INVALID', `amount_category takes a column name, got "${expr}"`);
  const whens = AMOUNT_CATEGORIES.filter((c) => Number.isFinite(c.below)).map((c) => `WHEN ${expr} < ${c.below} THEN ${quote(c.name)}`);
  const last = AMOUNT_CATEGORIES[AMOUNT_CATEGORIES.length - 1]?.name ?? 'other';
  return `(CASE ${whens.join(' ')} ELSE ${quote(last)} END)`;
}

export interface RenderContext {
  /** Relation text for a model (by its full name) or a source table. */
  readonly relation: (table: string) => Promise<string>;
  readonly resolveRef: (name: string) => string;
  readonly resolveSource: (layer: string, table: string) => string;
  readonly vars: Readonly<Record<string, string>>;
}

export async function render(sql: string, ctx: RenderContext): Promise<string> {
  let out = sql;
  for (const c of parseCalls(sql)) {
    let value: string;
    switch (c.fn) {
      case 'ref':
        value = await ctx.relation(ctx.resolveRef(c.args[0] ?? ''));
        break;
      case 'source':
        value = await ctx.relation(ctx.resolveSource(c.args[0] ?? '', c.args[1] ?? ''));
        break;
      case 'var': {
        const name = c.args[0] ?? '';
        const v = ctx.vars[name];
        if (v === undefined) throw new PlatformError('PIPELINE_MODEL_INVALID', `unknown var "${name}"`);
        value = /^\d{4}-\d{2}-\d{2}$/.test(v) ? `DATE ${quote(v)}` : quote(v);
        break;
      }
      case 'failed_rule':
        value = rulesCase(c.args[0] ?? '', 'name');
        break;
      case 'failed_reason':
        value = rulesCase(c.args[0] ?? '', 'reason');
        break;
      case 'regions':
        value = regionsRelation();
        break;
      case 'amount_category':
        value = amountCategory(c.args[0] ?? '');
        break;
      default:
        throw new PlatformError('PIPELINE_MODEL_INVALID', `unknown template function ${c.fn}()`);
    }
    out = out.split(c.text).join(value);
  }
  return out;
}
