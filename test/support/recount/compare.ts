/**
 * Field-by-field comparison of recounted and served figures, with a failure message that names the
 * figure, the key and the field, expected (recounted from the log) vs served.
 */
import assert from 'node:assert/strict';

export type Plain = Readonly<Record<string, unknown>>;

const close = (a: unknown, b: unknown): boolean => {
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b));
  return a === b || (a ?? null) === (b ?? null);
};

const show = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** Lines describing every difference (missing, extra and differing keys), at most `limit` of them. */
export function differences(expected: ReadonlyMap<string, Plain>, served: ReadonlyMap<string, Plain>, fields: readonly string[], limit = 12): { lines: string[]; count: number } {
  const lines: string[] = [];
  let count = 0;
  const add = (line: string): void => {
    count++;
    if (lines.length < limit) lines.push(line);
  };
  for (const [k, e] of expected) {
    const s = served.get(k);
    if (!s) {
      add(`${k}: missing from the API (expected ${fields.map((f) => `${f}=${show(e[f])}`).join(' ')})`);
      continue;
    }
    const bad = fields.filter((f) => !close(e[f], s[f]));
    if (bad.length > 0) add(`${k}: ${bad.map((f) => `${f} expected ${show(e[f])}, served ${show(s[f])}`).join('; ')}`);
  }
  for (const [k, s] of served) {
    if (!expected.has(k)) add(`${k}: served but not in the log's recount (served ${fields.map((f) => `${f}=${show(s[f])}`).join(' ')})`);
  }
  return { lines, count };
}

/** Asserts the two maps agree on `fields`; the message says which figure, key and field differ. */
export function assertSameFigures(figure: string, expected: ReadonlyMap<string, Plain>, served: ReadonlyMap<string, Plain>, fields: readonly string[]): void {
  const { lines, count } = differences(expected, served, fields);
  assert.ok(count === 0, `${figure}: ${count} of ${Math.max(expected.size, served.size)} keys differ between the recount of the event log and the API (expected = recount, served = API):\n  ${lines.join('\n  ')}${count > lines.length ? `\n  ... and ${count - lines.length} more` : ''}`);
}

export function byKey<T>(items: Iterable<T>, key: (t: T) => string, pick: (t: T) => Plain): Map<string, Plain> {
  const out = new Map<string, Plain>();
  for (const t of items) out.set(key(t), pick(t));
  return out;
}
