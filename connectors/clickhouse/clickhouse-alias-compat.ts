/**
 * One dialect gap between DuckDB and ClickHouse, bridged: ClickHouse resolves a SELECT alias before
 * a column of the same name, everywhere in the query, so
 *
 *   SELECT sum(qty) AS qty, max(qty) AS top FROM t
 *
 * (standard SQL and DuckDB: max over the column) fails there with ILLEGAL_AGGREGATION (Code 184:
 * max(sum(qty))); current servers have `prefer_column_name_to_alias`, 18.16 has nothing.
 *
 * Only when the server refused a query that way, the warehouse retries it once rewritten: every
 * top-level alias that another top-level select item also mentions is renamed to a private name
 * (so the other items read the column, as in standard SQL), `ORDER BY` references to it follow the
 * rename (ORDER BY binds output aliases first), and the result columns get their names back. A
 * query that runs as written is never rewritten, so the rewrite cannot change a working query.
 */

interface Token {
  readonly text: string;
  /** Identifier name for words and quoted identifiers, else null. */
  readonly ident: string | null;
  readonly depth: number;
}

const WORD = /[A-Za-z_][A-Za-z0-9_]*/y;

function lex(sql: string): Token[] {
  const out: Token[] = [];
  let depth = 0;
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    if (ch === "'" || ch === '"' || ch === '`') {
      let j = i + 1;
      while (j < sql.length && sql[j] !== ch) j += sql[j] === '\\' ? 2 : 1;
      const text = sql.slice(i, j + 1);
      out.push({ text, ident: ch === "'" ? null : text.slice(1, -1), depth });
      i = j + 1;
      continue;
    }
    if (sql.startsWith('--', i) || sql.startsWith('/*', i)) {
      const end = sql.startsWith('--', i) ? sql.indexOf('\n', i) : sql.indexOf('*/', i + 2) + 2;
      const j = end <= 1 || end === -1 ? sql.length : end;
      out.push({ text: sql.slice(i, j), ident: null, depth });
      i = j;
      continue;
    }
    WORD.lastIndex = i;
    const w = WORD.exec(sql);
    if (w) {
      out.push({ text: w[0], ident: w[0], depth });
      i += w[0].length;
      continue;
    }
    if (ch === ')') depth--;
    out.push({ text: ch, ident: null, depth });
    if (ch === '(') depth++;
    i++;
  }
  return out;
}

const kw = (t: Token | undefined, word: string): boolean => !!t && t.ident !== null && t.text.toUpperCase() === word;
const isSpace = (t: Token): boolean => /^\s+$/.test(t.text) || t.text.startsWith('--') || t.text.startsWith('/*');
const CLAUSE_END = ['FROM', 'WHERE', 'GROUP', 'HAVING', 'ORDER', 'LIMIT', 'FORMAT', 'SETTINGS', 'UNION', 'PREWHERE'];
const ORDER_END = ['LIMIT', 'FORMAT', 'SETTINGS', 'UNION'];

export interface AliasRewrite {
  readonly sql: string;
  /** Private alias -> the name the caller wrote. */
  readonly names: ReadonlyMap<string, string>;
}

/** The rewritten query, or null when no top-level alias is mentioned by another select item. */
export function rewriteShadowingAliases(sql: string): AliasRewrite | null {
  const tokens = lex(sql);
  const select = tokens.findIndex((t) => t.depth === 0 && kw(t, 'SELECT'));
  if (select < 0) return null;
  let end = select + 1;
  while (end < tokens.length && !(tokens[end]!.depth === 0 && CLAUSE_END.some((k) => kw(tokens[end], k)))) end++;
  // select items: [start, stop) token ranges split at depth-0 commas
  const items: { start: number; stop: number; alias: number | null }[] = [];
  let start = select + 1;
  for (let i = select + 1; i <= end; i++) {
    if (i === end || (tokens[i]!.depth === 0 && tokens[i]!.text === ',')) {
      const solid = [];
      for (let k = start; k < i; k++) if (!isSpace(tokens[k]!)) solid.push(k);
      const last = solid[solid.length - 1];
      const before = solid[solid.length - 2];
      const alias = last !== undefined && before !== undefined && kw(tokens[before], 'AS') && tokens[last]!.ident !== null ? last : null;
      items.push({ start, stop: alias ?? i, alias });
      start = i + 1;
    }
  }
  const mentions = (item: { start: number; stop: number }, name: string): boolean => {
    for (let k = item.start; k < item.stop; k++) {
      const t = tokens[k]!;
      if (t.ident !== name) continue;
      const next = tokens.slice(k + 1).find((x) => !isSpace(x));
      if (next?.text !== '(') return true;
    }
    return false;
  };
  const renames = new Map<string, string>();
  for (const item of items) {
    if (item.alias === null) continue;
    const name = tokens[item.alias]!.ident!;
    if (items.some((other) => other !== item && mentions(other, name))) renames.set(name, `${name}__gf_alias`);
  }
  if (renames.size === 0) return null;
  const replaced = new Map<number, string>();
  for (const item of items) {
    const name = item.alias === null ? null : tokens[item.alias]!.ident!;
    const to = name === null ? undefined : renames.get(name);
    if (item.alias !== null && to) replaced.set(item.alias, `\`${to}\``);
  }
  const order = tokens.findIndex((t, i) => i > end && t.depth === 0 && kw(t, 'ORDER'));
  if (order >= 0) {
    for (let k = order + 1; k < tokens.length && !(tokens[k]!.depth === 0 && ORDER_END.some((w) => kw(tokens[k], w))); k++) {
      const to = tokens[k]!.ident === null ? undefined : renames.get(tokens[k]!.ident!);
      if (to) replaced.set(k, `\`${to}\``);
    }
  }
  const text = tokens.map((t, i) => replaced.get(i) ?? t.text).join('');
  return { sql: text, names: new Map([...renames].map(([from, to]) => [to, from])) };
}

/** True for the server's "aggregate function inside another aggregate function" refusal. */
export function isIllegalAggregation(message: string): boolean {
  return /\bCode:\s*184\b/.test(message) || /ILLEGAL_AGGREGATION/.test(message);
}
