/**
 * Derives Avro types from the zod event contracts (schema/events/domain-events.ts), so the zod
 * schemas stay the one source of truth: the Avro schemas registered in the schema registry are
 * computed from them, never written by hand.
 *
 * The mapping covers what the contracts use, and refuses anything else (a new zod construct must
 * be given an Avro meaning here before an event may use it):
 * - string -> "string"; boolean -> "boolean"; enum -> Avro enum (named `<Record><Field>`);
 * - number -> "double"; an integer number -> "int" when its bounds fit 32 bits, else "long";
 * - nullable(T) -> ["null", T] with default null (so a field added as nullable stays BACKWARD compatible);
 * - object -> Avro record named `<Record><Field>` (or the zod `.meta({ title })`, e.g. `Geo`); a
 *   structurally equal object used twice (pickup, dropoff) is one named record, defined at its first
 *   use and referenced by name after that (Avro forbids a second definition).
 * Value checks Avro cannot express (min/max, regex, lengths) stay with zod: the codec validates with
 * zod before encoding and after decoding.
 */
import { z } from 'zod';

export type AvroType =
  | 'null' | 'boolean' | 'int' | 'long' | 'double' | 'string'
  | string
  | AvroRecord | AvroEnum | readonly AvroType[];

export interface AvroField {
  readonly name: string;
  readonly type: AvroType;
  readonly default?: null;
}
export interface AvroRecord {
  readonly type: 'record';
  readonly name: string;
  readonly namespace?: string;
  readonly doc?: string;
  readonly fields: readonly AvroField[];
}
export interface AvroEnum {
  readonly type: 'enum';
  readonly name: string;
  readonly symbols: readonly string[];
}

interface Def {
  readonly type: string;
  readonly shape?: Readonly<Record<string, z.ZodType>>;
  readonly innerType?: z.ZodType;
  readonly entries?: Readonly<Record<string, string | number>>;
  readonly values?: readonly unknown[];
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

function defOf(t: z.ZodType): Def {
  return (t as unknown as { def: Def }).def;
}

const pascal = (s: string): string => s.split(/[_-]/).map((w) => (w[0] ?? '').toUpperCase() + w.slice(1)).join('');

/** Names already defined in the schema being built, by structural key, so repeats become references. */
export class AvroNames {
  readonly #byShape = new Map<string, string>();
  readonly #used = new Set<string>();

  /** The name a structure already has, or null (then `define` it). */
  known(shapeKey: string): string | null {
    return this.#byShape.get(shapeKey) ?? null;
  }

  define(shapeKey: string, wanted: string): string {
    let name = wanted;
    for (let i = 2; this.#used.has(name); i++) name = `${wanted}${i}`;
    this.#used.add(name);
    this.#byShape.set(shapeKey, name);
    return name;
  }
}

/** The Avro type of one zod type; `name` is the name a record or enum gets if it needs one. */
export function avroTypeOf(t: z.ZodType, name: string, names: AvroNames): AvroType {
  const d = defOf(t);
  switch (d.type) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'number': {
      const n = t as unknown as { isInt: boolean; minValue: number | null; maxValue: number | null };
      if (!n.isInt) return 'double';
      const fits = n.minValue !== null && n.maxValue !== null && n.minValue >= INT32_MIN && n.maxValue <= INT32_MAX;
      return fits ? 'int' : 'long';
    }
    case 'literal': {
      const v = d.values?.[0];
      if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'double';
      if (typeof v === 'string') return 'string';
      if (typeof v === 'boolean') return 'boolean';
      throw new Error(`zod-to-avro: literal ${String(v)} at ${name} has no Avro type`);
    }
    case 'enum': {
      const symbols = Object.values(d.entries ?? {}).map(String);
      const key = `enum:${symbols.join(',')}`;
      const known = names.known(key);
      if (known) return known;
      return { type: 'enum', name: names.define(key, name), symbols };
    }
    case 'nullable': {
      if (!d.innerType) throw new Error(`zod-to-avro: nullable without inner type at ${name}`);
      return ['null', avroTypeOf(d.innerType, name, names)];
    }
    case 'object': {
      const shape = d.shape ?? {};
      const key = `record:${JSON.stringify(Object.entries(shape).map(([k, v]) => [k, shapeKeyOf(v)]))}`;
      const known = names.known(key);
      if (known) return known;
      const recordName = names.define(key, name);
      return { type: 'record', name: recordName, fields: Object.entries(shape).map(([field, v]) => fieldOf(field, v, recordName, names)) };
    }
    default:
      throw new Error(`zod-to-avro: zod type "${d.type}" at ${name} has no Avro mapping`);
  }
}

function fieldOf(field: string, v: z.ZodType, recordName: string, names: AvroNames): AvroField {
  const type = avroTypeOf(v, titleOf(v) ?? `${recordName}${pascal(field)}`, names);
  return Array.isArray(type) && type[0] === 'null' ? { name: field, type, default: null } : { name: field, type };
}

/** The `title` a zod type was given with `.meta({ title })` (the Avro name of a shared record), if any. */
function titleOf(t: z.ZodType): string | undefined {
  const inner = defOf(t).type === 'nullable' ? defOf(t).innerType : t;
  const title = inner ? z.globalRegistry.get(inner)?.title : undefined;
  return typeof title === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(title) ? title : undefined;
}

/** A structural key of a zod type (equal structures, equal keys), for sharing named types. */
function shapeKeyOf(t: z.ZodType): string {
  const d = defOf(t);
  if (d.type === 'object') return `{${Object.entries(d.shape ?? {}).map(([k, v]) => `${k}:${shapeKeyOf(v)}`).join(',')}}`;
  if (d.type === 'nullable' && d.innerType) return `?${shapeKeyOf(d.innerType)}`;
  if (d.type === 'enum') return `enum(${Object.values(d.entries ?? {}).join(',')})`;
  return d.type;
}
