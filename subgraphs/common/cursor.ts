/**
 * Opaque cursors: base64url of a small JSON array of strings and numbers. A cursor that does not
 * decode to the expected shape is BAD_USER_INPUT, never a server error.
 */
import { badUserInput } from './errors.ts';

export type CursorPart = string | number;
export type CursorKind = 'string' | 'number';

export function encodeCursor(parts: readonly CursorPart[]): string {
  return Buffer.from(JSON.stringify(parts), 'utf8').toString('base64url');
}

/** Decodes `cursor` into parts of the given kinds, or throws BAD_USER_INPUT naming `argName`. */
export function decodeCursor(cursor: string, kinds: readonly CursorKind[], argName = 'after'): CursorPart[] {
  const invalid = () => badUserInput(`invalid cursor in "${argName}": pass an endCursor or edge cursor returned by this field`, { argument: argName });
  if (cursor.length === 0 || cursor.length > 1024 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed.length !== kinds.length) throw invalid();
  const parts: CursorPart[] = [];
  for (const [i, kind] of kinds.entries()) {
    const v: unknown = parsed[i];
    if (kind === 'number' && typeof v === 'number' && Number.isFinite(v)) parts.push(v);
    else if (kind === 'string' && typeof v === 'string') parts.push(v);
    else throw invalid();
  }
  return parts;
}

/** Position of a row in a `time DESC, id DESC` keyset order. */
export interface KeysetPosition {
  readonly at: number;
  readonly id: string;
}

export function encodeKeysetCursor(pos: KeysetPosition): string {
  return encodeCursor([pos.at, pos.id]);
}

export function decodeKeysetCursor(cursor: string, argName = 'after'): KeysetPosition {
  const [at, id] = decodeCursor(cursor, ['number', 'string'], argName);
  return { at: at as number, id: id as string };
}
