/**
 * Confluent's wire format of a Kafka record value: magic byte 0, the schema id as a 4-byte
 * big-endian integer, then the Avro binary body (https://docs.confluent.io/platform/current/
 * schema-registry/fundamentals/serdes-develop/index.html#wire-format). Pure bytes, no registry.
 */
export const WIRE_MAGIC = 0;
export const WIRE_HEADER_BYTES = 5;

export function encodeWire(schemaId: number, body: Uint8Array): Buffer {
  if (!Number.isInteger(schemaId) || schemaId < 0 || schemaId > 0xffffffff) throw new RangeError(`schema id ${schemaId} does not fit 4 bytes`);
  const out = Buffer.allocUnsafe(WIRE_HEADER_BYTES + body.length);
  out.writeUInt8(WIRE_MAGIC, 0);
  out.writeUInt32BE(schemaId, 1);
  out.set(body, WIRE_HEADER_BYTES);
  return out;
}

export type WireParse = { readonly ok: true; readonly schemaId: number; readonly body: Buffer } | { readonly ok: false; readonly reason: string };

export function decodeWire(value: Buffer | null): WireParse {
  if (value === null || value.length === 0) return { ok: false, reason: 'empty record value (no Confluent wire-format header)' };
  if (value.length < WIRE_HEADER_BYTES) return { ok: false, reason: `record value of ${value.length} bytes is shorter than the 5-byte wire-format header` };
  const magic = value.readUInt8(0);
  if (magic !== WIRE_MAGIC) return { ok: false, reason: `magic byte is ${magic}, not ${WIRE_MAGIC} (not Confluent wire format)` };
  return { ok: true, schemaId: value.readUInt32BE(1), body: value.subarray(WIRE_HEADER_BYTES) };
}
