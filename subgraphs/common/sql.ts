/**
 * A tiny WHERE-clause builder for the portable warehouse SQL (connectors/contracts/warehouse.ts):
 * conditions are fixed text with `{name}` placeholders, values travel only as parameters.
 */
import type { SqlParams, SqlValue } from '../../connectors/contracts/warehouse.ts';

export class SqlConditions {
  readonly #clauses: string[] = [];
  readonly #params: Record<string, SqlValue> = {};

  /** Adds `clause` (text with `{name}` placeholders) and the values of its placeholders. */
  add(clause: string, params: Readonly<Record<string, SqlValue>> = {}): this {
    for (const [k, v] of Object.entries(params)) {
      if (Object.hasOwn(this.#params, k) && this.#params[k] !== v) throw new Error(`SQL parameter {${k}} bound twice`);
      this.#params[k] = v;
    }
    this.#clauses.push(clause);
    return this;
  }

  /** Adds `clause` only when `value` is given (not null / undefined). */
  addIf<V extends SqlValue>(value: V | null | undefined, clause: string, name: string): this {
    if (value !== null && value !== undefined) this.add(clause, { [name]: value });
    return this;
  }

  /** ` WHERE a AND b`, or '' with no conditions. */
  where(): string {
    return this.#clauses.length === 0 ? '' : ` WHERE ${this.#clauses.map((c) => `(${c})`).join(' AND ')}`;
  }

  params(extra: Readonly<Record<string, SqlValue>> = {}): SqlParams {
    return { ...this.#params, ...extra };
  }
}

/** Lower-case warehouse value of a GraphQL enum value (`COMPLETED` -> `completed`). */
export function enumToDb(value: string): string {
  return value.toLowerCase();
}

/** GraphQL enum value of a warehouse string, checked against the enum's values. */
export function dbToEnum<E extends string>(value: string, allowed: readonly E[], what: string): E {
  const upper = value.toUpperCase();
  const found = allowed.find((a) => a === upper);
  if (!found) throw new Error(`unexpected ${what} "${value}" in the warehouse`);
  return found;
}

/** Reads a number column (DuckDB / ClickHouse may return numeric strings for some aggregates). */
export function num(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  return 0;
}

/** Reads a nullable number column. */
export function numOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : num(value);
}

/** Reads a string column. */
export function str(value: unknown): string {
  return typeof value === 'string' ? value : value === null || value === undefined ? '' : String(value);
}

/** Reads a nullable string column. */
export function strOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : str(value);
}
