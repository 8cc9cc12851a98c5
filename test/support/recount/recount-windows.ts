/**
 * The recount of the per-region and platform tumbling windows (schema/subgraphs/metrics.graphql)
 * from the raw booking-events and pricing-events, written for the test alone:
 * - each event counts once (by event_id) in the window of each size that holds its event time:
 *   BookingCreated a trip, BookingCompleted a completion and its fare as revenue, BookingCancelled a
 *   cancellation, PriceCalculated a price (averagePrice = mean final_price);
 * - cancellationRate is of the bookings that ended in the window: cancelled / (completed + cancelled),
 *   0 when none ended (issue 7: a rate, never above 1, the same definition live and final);
 * - lateness: per log partition, the watermark is the newest event time of the partition's valid
 *   events so far (in offset order) minus the allowed lateness; an event whose smallest window ends
 *   at or before it is late and counted nowhere (it goes to the dead-letter topic);
 * - a window is final once the job watermark has reached its end: the least, over the partitions
 *   that hold valid events or producer watermark marks, of max(partition watermark, its last mark);
 *   the platform window is the sum of the regions'. (A mark never changes lateness: the producer
 *   promised no later event is older, and raw-log.ts checks that it kept that promise.)
 */
import { TOPICS } from '../../../schema/events/topics.ts';
import { partitionKey, type LoggedEvent, type LoggedMark } from './raw-log.ts';

export interface WindowTruth {
  readonly regionId: string | null;
  readonly windowMinutes: number;
  readonly windowStart: string;
  readonly tripCount: number;
  readonly completedCount: number;
  readonly cancelledCount: number;
  readonly cancellationRate: number;
  readonly averagePrice: number | null;
  readonly revenue: number;
  readonly isFinal: boolean;
}

export interface WindowRecount {
  /** Keyed `regionId|windowMinutes|windowStart` (regionId '*' for the platform). */
  readonly windows: ReadonlyMap<string, WindowTruth>;
  /** `topic#partition@offset` of the events the recount found late (the aggregation dead-letters them as EVENT_LATE). */
  readonly late: ReadonlySet<string>;
  readonly watermark: number | null;
}

interface Acc {
  trips: number;
  completed: number;
  cancelled: number;
  priceCount: number;
  priceSum: number;
  revenue: number;
}

const MINUTE = 60_000;
const money = (x: number): number => Math.round(x * 1e6) / 1e6;

export const windowKey = (regionId: string | null, minutes: number, startIso: string): string => `${regionId ?? '*'}|${minutes}|${startIso}`;

function contribution(e: LoggedEvent['event']): { regionId: string; apply: (a: Acc) => void } | null {
  switch (e.event_type) {
    case 'BookingCreated':
      return { regionId: e.data.region_id, apply: (a) => void a.trips++ };
    case 'BookingCompleted':
      return { regionId: e.data.region_id, apply: (a) => ((a.completed += 1), (a.revenue += e.data.fare)) };
    case 'BookingCancelled':
      return { regionId: e.data.region_id, apply: (a) => void a.cancelled++ };
    case 'PriceCalculated':
      return { regionId: e.data.region_id, apply: (a) => ((a.priceCount += 1), (a.priceSum += e.data.final_price)) };
    default:
      return null;
  }
}

export function recountWindows(events: readonly LoggedEvent[], marks: readonly LoggedMark[], windowMinutes: readonly number[], allowedLatenessMs: number): WindowRecount {
  const topics = new Set<string>([TOPICS.booking.name, TOPICS.pricing.name]);
  const smallest = Math.min(...windowMinutes) * MINUTE;
  const maxTime = new Map<string, number>();
  const late = new Set<string>();
  const acc = new Map<string, { regionId: string | null; minutes: number; start: number; a: Acc }>();
  const bucket = (regionId: string | null, minutes: number, start: number): Acc => {
    const k = windowKey(regionId, minutes, new Date(start).toISOString());
    let w = acc.get(k);
    if (!w) acc.set(k, (w = { regionId, minutes, start, a: { trips: 0, completed: 0, cancelled: 0, priceCount: 0, priceSum: 0, revenue: 0 } }));
    return w.a;
  };
  for (const le of events) {
    if (!topics.has(le.topic)) continue;
    const pk = partitionKey(le.topic, le.partition);
    const t = le.event.occurred_at;
    const max = Math.max(maxTime.get(pk) ?? t, t);
    maxTime.set(pk, max);
    const c = contribution(le.event);
    if (!c) continue;
    if (Math.floor(t / smallest) * smallest + smallest <= max - allowedLatenessMs) {
      late.add(`${pk}@${le.offset}`);
      continue;
    }
    for (const m of windowMinutes) {
      const start = Math.floor(t / (m * MINUTE)) * m * MINUTE;
      c.apply(bucket(c.regionId, m, start));
      c.apply(bucket(null, m, start));
    }
  }
  const lastMark = new Map<string, number>();
  for (const m of marks) {
    if (!topics.has(m.topic)) continue;
    const pk = partitionKey(m.topic, m.partition);
    lastMark.set(pk, Math.max(lastMark.get(pk) ?? m.watermark, m.watermark));
  }
  const shares = [...new Set([...maxTime.keys(), ...lastMark.keys()])].map((pk) =>
    Math.max((maxTime.get(pk) ?? Number.NEGATIVE_INFINITY) - allowedLatenessMs, lastMark.get(pk) ?? Number.NEGATIVE_INFINITY));
  const watermark = shares.length === 0 ? null : Math.min(...shares);
  const windows = new Map<string, WindowTruth>();
  for (const [k, w] of acc) {
    const a = w.a;
    windows.set(k, {
      regionId: w.regionId,
      windowMinutes: w.minutes,
      windowStart: new Date(w.start).toISOString(),
      tripCount: a.trips,
      completedCount: a.completed,
      cancelledCount: a.cancelled,
      cancellationRate: a.completed + a.cancelled === 0 ? 0 : a.cancelled / (a.completed + a.cancelled),
      averagePrice: a.priceCount === 0 ? null : money(a.priceSum / a.priceCount),
      revenue: money(a.revenue),
      isFinal: watermark !== null && w.start + w.minutes * MINUTE <= watermark,
    });
  }
  return { windows, late, watermark };
}
