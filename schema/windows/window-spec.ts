/**
 * Window specs: declarative event-time windows over the domain events, as data. A spec names its
 * window (tumbling, hopping = size + slide, session = gap), the dimensions it is keyed by (any
 * number, none for a platform-wide window), its measures and its lateness policy. The generic
 * window engine (jobs/windows/) runs any set of them; the metrics subgraph serves their windows.
 *
 * Validation (`parseWindowSpecs`) is structural (zod) and then semantic against the event contracts
 * (schema/events/domain-events.ts): every field a spec reads must exist on every event type the
 * measure reads, be numeric where summed, and measures referenced by derived measures must exist.
 * Failures are PlatformError WINDOW_SPEC_INVALID naming the spec and the offending path.
 */
import { z } from 'zod';
import { EVENT_TYPES, type EventType } from '../events/domain-events.ts';

const name = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes, starting with a letter');
const measureName = z.string().regex(/^[a-z][A-Za-z0-9]{0,62}$/, 'camelCase letters and digits, starting with a lower-case letter');
const minutes = z.number().int().min(1).max(7 * 24 * 60);
const eventTypes = z.array(z.enum(EVENT_TYPES as [EventType, ...EventType[]])).min(1);
const scalar = z.union([z.string(), z.number(), z.boolean()]);

/** A condition on one field of the event's `data` (or the envelope's `event_type` / `producer`). */
export const WhereSchema = z
  .object({
    field: z.string().min(1),
    eq: scalar.optional(),
    in: z.array(scalar).min(1).optional(),
    gt: z.number().optional(),
    gte: z.number().optional(),
    lt: z.number().optional(),
    lte: z.number().optional(),
  })
  .strict()
  .refine((w) => ['eq', 'in', 'gt', 'gte', 'lt', 'lte'].some((k) => k in w), 'a condition needs one of eq, in, gt, gte, lt, lte');

const filtered = { events: eventTypes, where: z.array(WhereSchema).optional() };

export const MeasureSchema = z.discriminatedUnion('kind', [
  /** Events matching `events` (and every `where`). */
  z.object({ kind: z.literal('count'), ...filtered, description: z.string().optional() }).strict(),
  /** sum / avg / min / max of a numeric data field over the matching events (avg, min, max: null when none). */
  z.object({ kind: z.enum(['sum', 'avg', 'min', 'max']), field: z.string().min(1), ...filtered, description: z.string().optional() }).strict(),
  /** Exact distinct count of a dimension's values over the matching events (the values are kept per open window). */
  z.object({ kind: z.literal('distinct'), dimension: z.string().min(1), ...filtered, description: z.string().optional() }).strict(),
  /** numerator / (sum of the denominator measures); `whenZero` (default null) when the denominator is 0. */
  z
    .object({
      kind: z.literal('ratio'),
      numerator: measureName,
      denominator: z.array(measureName).min(1),
      whenZero: z.union([z.literal(0), z.null()]).default(null),
      description: z.string().optional(),
    })
    .strict(),
  /** 1 when the measure is at least `atLeast`, else 0 (a suspicious-behaviour flag). */
  z.object({ kind: z.literal('flag'), measure: measureName, atLeast: z.number(), description: z.string().optional() }).strict(),
]);

export const WindowShapeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('tumbling'), sizeMinutes: minutes }).strict(),
  z
    .object({ kind: z.literal('hopping'), sizeMinutes: minutes, slideMinutes: minutes })
    .strict()
    .refine((w) => w.slideMinutes < w.sizeMinutes && w.sizeMinutes % w.slideMinutes === 0, 'slideMinutes must divide sizeMinutes and be smaller (use tumbling when equal)'),
  /** A session per key: events closer than `gapMinutes` in event time form one window [first, last + gap). */
  z.object({ kind: z.literal('session'), gapMinutes: minutes }).strict(),
]);

export const WindowSpecSchema = z
  .object({
    name,
    description: z.string().min(1),
    /** Where the spec comes from (e.g. "seed 001: merchant aggregations, merchant -> driver"). */
    source: z.string().optional(),
    window: WindowShapeSchema,
    /** Dimensions (schema/windows/dimensions.ts or a data field name) the windows are keyed by; [] = one window for everything. */
    keyBy: z.array(z.string().min(1)).max(4),
    measures: z.record(measureName, MeasureSchema).refine((m) => Object.keys(m).length > 0, 'a spec needs at least one measure'),
    /** Partition watermark = max event time seen minus this; an event of a window that watermark passed is late. */
    allowedLatenessMs: z.number().int().min(0).max(24 * 3_600_000).default(30_000),
    /**
     * Specs of one lateness group share one lateness decision: an event late for any of them counts
     * in none of them (the region windows: a 60-minute window is always the sum of its 5-minute
     * ones). Members need the same allowedLatenessMs and a tumbling or hopping window.
     */
    latenessGroup: name.optional(),
  })
  .strict();

export type WindowSpecInput = z.input<typeof WindowSpecSchema>;
export type WindowSpec = z.output<typeof WindowSpecSchema>;
export type Measure = z.output<typeof MeasureSchema>;
export type Where = z.output<typeof WhereSchema>;
export type WindowShape = z.output<typeof WindowShapeSchema>;

/** Window size in ms (session: the gap). */
export function windowSizeMs(w: WindowShape): number {
  return (w.kind === 'session' ? w.gapMinutes : w.sizeMinutes) * 60_000;
}

/** Slide in ms (tumbling: the size; session: 0). */
export function windowSlideMs(w: WindowShape): number {
  return w.kind === 'hopping' ? w.slideMinutes * 60_000 : w.kind === 'tumbling' ? w.sizeMinutes * 60_000 : 0;
}

/** Every event type the spec reads. */
export function specEventTypes(spec: WindowSpec): EventType[] {
  const s = new Set<EventType>();
  for (const m of Object.values(spec.measures)) if ('events' in m) for (const t of m.events) s.add(t);
  return [...s].sort();
}
