/**
 * Dimensions a window spec can key by or count distinct values of. A dimension is a name for the
 * data field(s) that carry it: the first field of the list that an event has is its value (the
 * rider is `rider_id` on booking events and `user_id` on payment events). Any data field name not
 * in the catalogue is a dimension of its own (`method`, `weather`, `currency`...), and `event_type`
 * / `producer` read the envelope. Pure functions over validated events; no I/O.
 */
import type { DomainEvent } from '../events/domain-events.ts';

export const DIMENSIONS: Readonly<Record<string, readonly string[]>> = {
  rider: ['rider_id', 'user_id'],
  driver: ['driver_id'],
  region: ['region_id'],
  booking: ['booking_id'],
  payment: ['payment_id'],
  device: ['device_id'],
  method: ['method'],
};

export const ENVELOPE_FIELDS = ['event_type', 'producer'] as const;

/** The data fields a dimension may be read from. */
export const dimensionFields = (dimension: string): readonly string[] => DIMENSIONS[dimension] ?? [dimension];

/** A field's value on an event: the envelope's event_type / producer, else `data[field]` (undefined when absent). */
export function fieldValue(event: DomainEvent, field: string): unknown {
  if (field === 'event_type') return event.event_type;
  if (field === 'producer') return event.producer;
  return (event.data as Readonly<Record<string, unknown>>)[field];
}

/** The dimension's value as a string, or null when the event does not carry it (absent or null). */
export function dimensionValue(event: DomainEvent, dimension: string): string | null {
  for (const f of dimensionFields(dimension)) {
    const v = fieldValue(event, f);
    if (v === undefined) continue;
    if (v === null) return null;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
    return null;
  }
  return null;
}
