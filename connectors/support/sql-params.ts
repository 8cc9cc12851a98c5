/**
 * `{name}` placeholders of the platform's SQL. Split once, outside string literals, quoted
 * identifiers and comments; each Warehouse binds the pieces its own way (prepared parameters or
 * typed escaping).
 */
import { PlatformError } from '../../schema/errors.ts';
import type { SqlParams, SqlScalar, SqlValue } from '../contracts/warehouse.ts';

export type SqlPiece = { readonly text: string } | { readonly param: string };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function splitPlaceholders(sql: string): SqlPiece[] {
  const out: SqlPiece[] = [];
  let buf = '';
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    if (ch === "'" || ch === '"' || ch === '`') {
      // string literal or quoted identifier; '' and \' escapes stay inside
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === '\\') { j += 2; continue; }
        if (sql[j] === ch) {
          if (sql[j + 1] === ch) { j += 2; continue; }
          break;
        }
        j++;
      }
      buf += sql.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (ch === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const j = end === -1 ? sql.length : end;
      buf += sql.slice(i, j);
      i = j;
      continue;
    }
    if (ch === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      const j = end === -1 ? sql.length : end + 2;
      buf += sql.slice(i, j);
      i = j;
      continue;
    }
    if (ch === '{') {
      const end = sql.indexOf('}', i);
      const name = end === -1 ? '' : sql.slice(i + 1, end);
      if (NAME.test(name)) {
        if (buf) out.push({ text: buf });
        buf = '';
        out.push({ param: name });
        i = end + 1;
        continue;
      }
    }
    buf += ch;
    i++;
  }
  if (buf) out.push({ text: buf });
  return out;
}

/** The value of placeholder `name`, or SQL_PARAM_INVALID if it is missing or of an unbindable type. */
export function paramValue(params: SqlParams | undefined, name: string): SqlValue {
  if (!params || !Object.hasOwn(params, name)) {
    throw new PlatformError('SQL_PARAM_INVALID', `SQL parameter {${name}} has no value`, { param: name });
  }
  const v = params[name] as SqlValue | undefined;
  if (v === undefined) throw new PlatformError('SQL_PARAM_INVALID', `SQL parameter {${name}} is undefined`, { param: name });
  if (Array.isArray(v)) {
    for (const x of v as readonly unknown[]) {
      if (typeof x === 'string') continue;
      if (typeof x === 'number' && Number.isFinite(x)) continue;
      throw new PlatformError('SQL_PARAM_INVALID', `SQL parameter {${name}}: list elements must be strings or finite numbers`, { param: name });
    }
    return v;
  }
  if (typeof v === 'number' && !Number.isFinite(v)) {
    throw new PlatformError('SQL_PARAM_INVALID', `SQL parameter {${name}} is not a finite number`, { param: name });
  }
  if (v !== null && typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
    throw new PlatformError('SQL_PARAM_INVALID', `SQL parameter {${name}} has unbindable type ${typeof v}`, { param: name });
  }
  return v;
}

/**
 * Rewrites every `{name}` placeholder with `render(value)`: a scalar once; an array as its elements
 * rendered and joined by ', ' (for `IN ({ids})`); an empty array as NULL, so `x IN ({ids})` matches
 * nothing. Each Warehouse supplies `render` (a prepared-parameter name, or an escaped literal).
 */
export function renderPlaceholders(sql: string, params: SqlParams | undefined, render: (value: SqlScalar, param: string) => string): string {
  let out = '';
  for (const piece of splitPlaceholders(sql)) {
    if ('text' in piece) {
      out += piece.text;
      continue;
    }
    const v = paramValue(params, piece.param);
    if (Array.isArray(v)) out += v.length === 0 ? 'NULL' : v.map((x) => render(x as string | number, piece.param)).join(', ');
    else out += render(v as SqlScalar, piece.param);
  }
  return out;
}
