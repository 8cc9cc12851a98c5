/**
 * Column values of both the snapshot (a normal query) and the stream (pgoutput text tuples), turned
 * into the JSON values Debezium's PostgreSQL connector writes with its JSON converter, so an 'r'
 * record and a 'c' record of the same row look the same:
 * - bool -> boolean; int2/int4/oid -> number; int8 -> number (string beyond 2^53);
 * - float4/float8 -> number (NaN/Infinity stay text); numeric -> number, as decimal.handling.mode=double;
 * - json/jsonb -> the JSON text (io.debezium.data.Json is a string);
 * - timestamptz -> ISO-8601 UTC text (ZonedTimestamp), millisecond precision;
 * - timestamp -> epoch ms of the wall-clock time read as UTC (time.precision.mode=connect);
 * - date -> days since 1970-01-01 (io.debezium.time.Date);
 * - bytea -> base64 (Kafka Connect bytes in JSON);
 * - anything else (text, uuid, arrays, enums, ...) -> PostgreSQL's text form.
 */
import pg from 'pg';

export type ValueParser = (text: string) => unknown;

const DAY_MS = 86_400_000;
const identity: ValueParser = (t) => t;

function finiteOrText(t: string): unknown {
  const n = Number(t);
  return Number.isFinite(n) ? n : t;
}

const timestamptzParser = pg.types.getTypeParser(1184) as (t: string) => unknown;

const PARSERS: ReadonlyMap<number, ValueParser> = new Map<number, ValueParser>([
  [16, (t) => t === 't'],
  [20, (t) => (Number.isSafeInteger(Number(t)) ? Number(t) : t)],
  [21, Number],
  [23, Number],
  [26, Number],
  [700, finiteOrText],
  [701, finiteOrText],
  [1700, finiteOrText],
  [114, identity],
  [3802, identity],
  [1184, (t) => {
    const d = timestamptzParser(t);
    return d instanceof Date && !Number.isNaN(d.getTime()) ? d.toISOString() : t;
  }],
  [1114, (t) => {
    const ms = Date.parse(`${t.replace(' ', 'T')}Z`);
    return Number.isNaN(ms) ? t : ms;
  }],
  [1082, (t) => {
    const ms = Date.parse(`${t}T00:00:00Z`);
    return Number.isNaN(ms) ? t : Math.round(ms / DAY_MS);
  }],
  [17, (t) => (t.startsWith('\\x') ? Buffer.from(t.slice(2), 'hex').toString('base64') : t)],
]);

/** The converter of one column type (by type OID). */
export function valueParser(typeOid: number): ValueParser {
  return PARSERS.get(typeOid) ?? identity;
}

/** node-postgres `types` for the snapshot connection: every column through `valueParser`. */
export const snapshotTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number) => valueParser(oid)) as pg.CustomTypesConfig['getTypeParser'],
};
