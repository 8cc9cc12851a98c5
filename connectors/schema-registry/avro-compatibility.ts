/**
 * Avro schema compatibility as the Confluent Schema Registry defines it, on avsc's schema
 * resolution (`reader.createResolver(writer)` throws when the reader cannot read the writer's data):
 * BACKWARD = the new schema reads data of the latest version; FORWARD = the latest reads data of the
 * new one; FULL = both; *_TRANSITIVE = against every earlier version instead of the latest.
 */
import avro from 'avsc';
import { PlatformError } from '../../schema/errors.ts';
import type { CompatibilityLevel, CompatibilityResult } from '../contracts/schema-registry.ts';

/** Parses Avro schema text; SCHEMA_INVALID naming the subject if it is not valid Avro. */
export function parseAvro(subject: string, text: string): avro.Type {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text; // a bare primitive name ("string") is a valid schema too
  }
  try {
    return avro.Type.forSchema(json as avro.Schema);
  } catch (e) {
    throw new PlatformError('SCHEMA_INVALID', `invalid Avro schema for ${subject}: ${(e as Error).message}`, { subject, reason: (e as Error).message });
  }
}

function canRead(reader: avro.Type, writer: avro.Type): string | null {
  try {
    reader.createResolver(writer);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Checks `candidate` against the existing versions (oldest first) under `level`. */
export function checkCompatibility(level: CompatibilityLevel, candidate: avro.Type, existing: readonly avro.Type[]): CompatibilityResult {
  if (level === 'NONE' || existing.length === 0) return { compatible: true, messages: [] };
  const against = level.endsWith('_TRANSITIVE') ? existing : existing.slice(-1);
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL');
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL');
  const messages: string[] = [];
  against.forEach((old) => {
    const v = existing.indexOf(old) + 1;
    if (backward) {
      const why = canRead(candidate, old);
      if (why) messages.push(`new schema cannot read data written with version ${v}: ${why}`);
    }
    if (forward) {
      const why = canRead(old, candidate);
      if (why) messages.push(`version ${v} cannot read data written with the new schema: ${why}`);
    }
  });
  return { compatible: messages.length === 0, messages };
}
