/**
 * Validation of window specs: zod for the shape, then every field a spec reads checked against the
 * event contracts (EventData shapes): a keyBy / distinct dimension must be a string-ish field of
 * every event type its measure reads, a summed field numeric, a where-field present, and derived
 * measures must name measures of the same spec that are not derived themselves. Any failure is
 * PlatformError WINDOW_SPEC_INVALID naming the spec and the path.
 */
import { EventData, type EventType } from '../events/domain-events.ts';
import { PlatformError } from '../errors.ts';
import { dimensionFields, ENVELOPE_FIELDS } from './dimensions.ts';
import { WindowSpecSchema, type WindowSpec } from './window-spec.ts';

const fail = (spec: string, path: string, reason: string): never => {
  throw PlatformError.of('WINDOW_SPEC_INVALID', { spec, path, reason });
};

type Shape = Readonly<Record<string, unknown>>;
const shapeOf = (t: EventType): Shape => (EventData[t] as unknown as { shape: Shape }).shape;

/** The zod type name of a data field (nullable / optional unwrapped), e.g. string, enum, number, boolean, object. */
function fieldType(t: EventType, field: string): string | null {
  if ((ENVELOPE_FIELDS as readonly string[]).includes(field)) return 'string';
  let f: unknown = shapeOf(t)[field];
  for (;;) {
    const def = (f as { def?: { type?: string; innerType?: unknown } } | undefined)?.def;
    if (!def?.type) return null;
    if ((def.type === 'nullable' || def.type === 'optional') && def.innerType) f = def.innerType;
    else return def.type;
  }
}

const fieldAccepts = (t: EventType, field: string, kind: 'numeric' | 'scalar'): boolean => {
  const type = fieldType(t, field);
  return kind === 'numeric' ? type === 'number' : type === 'string' || type === 'enum' || type === 'number' || type === 'boolean';
};

const hasField = (t: EventType, field: string): boolean => (ENVELOPE_FIELDS as readonly string[]).includes(field) || shapeOf(t)[field] !== undefined;

/** The first field of the dimension that event type `t` has (string or number valued), or null. */
function dimensionFieldOf(t: EventType, dimension: string): string | null {
  for (const f of dimensionFields(dimension)) if (hasField(t, f)) return fieldAccepts(t, f, 'scalar') ? f : null;
  return null;
}

function checkSemantics(spec: WindowSpec): void {
  const measures = spec.measures;
  const allEvents = new Set<EventType>();
  for (const [mName, m] of Object.entries(measures)) {
    const at = `measures.${mName}`;
    if (m.kind === 'ratio' || m.kind === 'flag') {
      const refs = m.kind === 'ratio' ? [m.numerator, ...m.denominator] : [m.measure];
      for (const r of refs) {
        const target = measures[r];
        if (!target) fail(spec.name, at, `refers to unknown measure "${r}"`);
        else if (target.kind === 'ratio' || target.kind === 'flag') fail(spec.name, at, `refers to derived measure "${r}" (derived measures read base measures only)`);
      }
      continue;
    }
    for (const t of m.events) {
      allEvents.add(t);
      if ((m.kind === 'sum' || m.kind === 'avg' || m.kind === 'min' || m.kind === 'max') && !fieldAccepts(t, m.field, 'numeric')) {
        fail(spec.name, `${at}.field`, `"${m.field}" is not a numeric field of ${t}`);
      }
      if (m.kind === 'distinct' && dimensionFieldOf(t, m.dimension) === null) fail(spec.name, `${at}.dimension`, `${t} carries no "${m.dimension}"`);
      for (const [i, w] of (m.where ?? []).entries()) {
        if (!hasField(t, w.field)) fail(spec.name, `${at}.where.${i}.field`, `"${w.field}" is not a field of ${t}`);
      }
    }
  }
  for (const [i, d] of spec.keyBy.entries()) {
    for (const t of allEvents) if (dimensionFieldOf(t, d) === null) fail(spec.name, `keyBy.${i}`, `${t} carries no "${d}" (every event a spec reads must carry its keys)`);
  }
  if (new Set(spec.keyBy).size !== spec.keyBy.length) fail(spec.name, 'keyBy', 'a dimension is listed twice');
}

/** Validates one spec (raw data) and returns it with defaults filled. */
export function parseWindowSpec(raw: unknown): WindowSpec {
  const r = WindowSpecSchema.safeParse(raw);
  const label = typeof raw === 'object' && raw !== null && typeof (raw as { name?: unknown }).name === 'string' ? (raw as { name: string }).name : '(unnamed)';
  if (!r.success) {
    const issue = r.error.issues[0];
    return fail(label, (issue?.path ?? []).map(String).join('.') || '(root)', issue?.message ?? 'invalid');
  }
  checkSemantics(r.data);
  return r.data;
}

/** Validates a set of specs: each one, their names unique, and each lateness group coherent. */
export function parseWindowSpecs(raw: readonly unknown[]): WindowSpec[] {
  const specs = raw.map(parseWindowSpec);
  const seen = new Set<string>();
  const groups = new Map<string, WindowSpec>();
  for (const s of specs) {
    if (seen.has(s.name)) fail(s.name, 'name', 'two specs have this name');
    seen.add(s.name);
    if (s.latenessGroup === undefined) continue;
    if (s.window.kind === 'session') fail(s.name, 'latenessGroup', 'a session window decides lateness by event time alone; it cannot share a lateness group');
    const first = groups.get(s.latenessGroup);
    if (!first) groups.set(s.latenessGroup, s);
    else if (first.allowedLatenessMs !== s.allowedLatenessMs) {
      fail(s.name, 'allowedLatenessMs', `lateness group ${s.latenessGroup} needs one allowedLatenessMs (${first.name} has ${first.allowedLatenessMs})`);
    }
  }
  return specs;
}
