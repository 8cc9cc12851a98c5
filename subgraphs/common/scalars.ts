/**
 * `scalar DateTime`: ISO-8601 strings at the edge (`2024-05-01T10:00:00.000Z`), epoch
 * milliseconds inside (the warehouse's int64 timestamps). Resolvers return epoch ms (or a Date or
 * an ISO string) and receive epoch ms in their arguments.
 */
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

/** Date-time with an explicit zone (Z or ±hh:mm), or a plain date (taken as UTC midnight). */
const ISO = /^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:[Zz]|[+-]\d{2}:?\d{2}))?$/;

function parseIso(value: unknown): number {
  if (typeof value !== 'string' || !ISO.test(value)) {
    throw new GraphQLError(`DateTime must be an ISO-8601 string with a time zone (e.g. 2024-05-01T10:00:00Z), got ${JSON.stringify(value)}`);
  }
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new GraphQLError(`DateTime ${JSON.stringify(value)} is not a valid date`);
  return ms;
}

export const DateTimeScalar = new GraphQLScalarType<number, string>({
  name: 'DateTime',
  description: 'An instant as an ISO-8601 string in UTC, e.g. 2024-05-01T10:00:00.000Z',
  serialize(value: unknown): string {
    if (typeof value === 'number' && Number.isFinite(value)) return new Date(value).toISOString();
    if (value instanceof Date && Number.isFinite(value.getTime())) return value.toISOString();
    if (typeof value === 'string') return new Date(parseIso(value)).toISOString();
    throw new GraphQLError(`DateTime cannot represent ${JSON.stringify(value)}`);
  },
  parseValue: parseIso,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('DateTime must be a string', { nodes: ast });
    return parseIso(ast.value);
  },
});

/** Epoch ms of a `YYYY-MM-DD` (UTC midnight). */
export function dateToEpochMs(date: string): number {
  return Date.parse(`${date}T00:00:00Z`);
}
