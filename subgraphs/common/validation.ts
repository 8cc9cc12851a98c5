/**
 * Argument checks shared by the subgraphs' resolvers. Each failure is BAD_USER_INPUT with a message
 * that names the argument and says what is allowed.
 */
import { badUserInput } from './errors.ts';

export interface PageSizeLimits {
  readonly defaultSize?: number;
  readonly max?: number;
}

/** `first` as a page size: an integer in 1..max (default 20, max 500). */
export function pageSize(first: number | null | undefined, limits: PageSizeLimits = {}, argName = 'first'): number {
  const max = limits.max ?? 500;
  const size = first ?? limits.defaultSize ?? 20;
  if (!Number.isInteger(size) || size < 1 || size > max) {
    throw badUserInput(`"${argName}" must be an integer between 1 and ${max}, got ${size}`, { argument: argName, max });
  }
  return size;
}

export interface TimeRange {
  /** Inclusive, epoch ms. */
  readonly from: number;
  /** Exclusive, epoch ms. */
  readonly to: number;
}

export interface TimeRangeRules {
  /** Span used when `from` is omitted (counted back from `to`). */
  readonly defaultSpanMs: number;
  /** Largest span allowed (ms). */
  readonly maxSpanMs: number;
  /** "now" for a missing `to` (tests pass a fixed clock). */
  readonly now?: () => number;
}

/** A [from, to) range from optional epoch-ms arguments: from < to and no longer than `maxSpanMs`. */
export function timeRange(from: number | null | undefined, to: number | null | undefined, rules: TimeRangeRules): TimeRange {
  const end = to ?? (rules.now ?? Date.now)();
  const start = from ?? end - rules.defaultSpanMs;
  if (start >= end) {
    throw badUserInput(`time range is empty: "from" (${new Date(start).toISOString()}) must be before "to" (${new Date(end).toISOString()})`, { argument: 'from' });
  }
  if (end - start > rules.maxSpanMs) {
    throw badUserInput(`time range is too long: at most ${Math.round(rules.maxSpanMs / 3_600_000)} hours between "from" and "to"`, { argument: 'to', maxHours: Math.round(rules.maxSpanMs / 3_600_000) });
  }
  return { from: start, to: end };
}

/** Optional bounds checked only for order (a filter may leave either side open). */
export function optionalRange(from: number | null | undefined, to: number | null | undefined): { from: number | null; to: number | null } {
  if (from != null && to != null && from >= to) {
    throw badUserInput(`time range is empty: "from" (${new Date(from).toISOString()}) must be before "to" (${new Date(to).toISOString()})`, { argument: 'from' });
  }
  return { from: from ?? null, to: to ?? null };
}

/** An integer argument in [min, max]. */
export function intInRange(value: number, min: number, max: number, argName: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw badUserInput(`"${argName}" must be an integer between ${min} and ${max}, got ${value}`, { argument: argName, min, max });
  }
  return value;
}
