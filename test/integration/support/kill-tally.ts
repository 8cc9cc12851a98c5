/**
 * The kill-restart test's own arithmetic, from the events it wrote and independent of the jobs' code:
 * which record lands in which partition (murmur2 of the event key, as Kafka's default partitioner),
 * in which order (the write order: CDC publishes in commit order, outbox rows in insert order), and
 * from that the region windows the stream aggregation must end with, as seed 002 defines them:
 * tumbling 5/15/60-minute windows per region; trips = BookingCreated, completed (+ fare as revenue),
 * cancelled, prices = PriceCalculated (count, sum of final_price). An event is LATE (counted nowhere)
 * when one of its windows ends at or before its partition's max event time so far minus the allowed
 * lateness. A window is final once min over partitions with data of their max event time, minus the
 * lateness, reaches its end. Also: the closing events that push every partition's event time past the
 * last window of the stream, so every window of the stream becomes final.
 */
import { partitionForKey } from '../../../connectors/embedded/murmur2.ts';
import { EVENT_TOPIC, eventKey, type DomainEvent } from '../../../schema/events/domain-events.ts';
import { REGIONS } from '../../../schema/regions.ts';
import { TOPICS } from '../../../schema/events/topics.ts';

const MINUTE = 60_000;

export interface WindowTally {
  readonly regionId: string;
  readonly windowMinutes: number;
  readonly windowStart: number;
  tripCount: number;
  completedCount: number;
  cancelledCount: number;
  priceCount: number;
  priceSum: number;
  revenue: number;
  isFinal: boolean;
}

export interface Tally {
  /** By `region|minutes|start`. */
  readonly windows: Map<string, WindowTally>;
  readonly late: number;
  /** The watermark the aggregation ends with. */
  readonly watermark: number;
}

export const windowKey = (region: string, minutes: number, start: number): string => `${region}|${minutes}|${start}`;

/** Rounds money like a warehouse row (1e-6), so float summation order never shows. */
export const money = (x: number): number => Math.round(x * 1e6) / 1e6;

function contribution(e: DomainEvent): { region: string; apply: (w: WindowTally) => void } | null {
  switch (e.event_type) {
    case 'BookingCreated':
      return { region: e.data.region_id, apply: (w) => void w.tripCount++ };
    case 'BookingCompleted':
      return { region: e.data.region_id, apply: (w) => ((w.completedCount += 1), (w.revenue += e.data.fare)) };
    case 'BookingCancelled':
      return { region: e.data.region_id, apply: (w) => void w.cancelledCount++ };
    case 'PriceCalculated':
      return { region: e.data.region_id, apply: (w) => ((w.priceCount += 1), (w.priceSum += e.data.final_price)) };
    default:
      return null;
  }
}

/** The aggregation's end state for `events` written in this order (sizes in minutes, lateness in ms). */
export function tallyWindows(events: readonly DomainEvent[], sizes: readonly number[], latenessMs: number): Tally {
  const sources = new Set<string>([TOPICS.booking.name, TOPICS.pricing.name]);
  const maxTime = new Map<string, number>();
  const windows = new Map<string, WindowTally>();
  let late = 0;
  for (const e of events) {
    const topic = EVENT_TOPIC[e.event_type];
    if (!sources.has(topic.name)) continue;
    const partition = `${topic.name}:${partitionForKey(eventKey(e), topic.partitions)}`;
    const t = e.occurred_at;
    const max = Math.max(maxTime.get(partition) ?? t, t);
    maxTime.set(partition, max);
    const c = contribution(e);
    if (!c) continue;
    const starts = sizes.map((m) => Math.floor(t / (m * MINUTE)) * m * MINUTE);
    if (sizes.some((m, i) => (starts[i] ?? 0) + m * MINUTE <= max - latenessMs)) {
      late++;
      continue;
    }
    sizes.forEach((m, i) => {
      const start = starts[i] ?? 0;
      const k = windowKey(c.region, m, start);
      let w = windows.get(k);
      if (!w) windows.set(k, (w = { regionId: c.region, windowMinutes: m, windowStart: start, tripCount: 0, completedCount: 0, cancelledCount: 0, priceCount: 0, priceSum: 0, revenue: 0, isFinal: false }));
      c.apply(w);
    });
  }
  const watermark = Math.min(...maxTime.values()) - latenessMs;
  for (const w of windows.values()) {
    w.isFinal = w.windowStart + w.windowMinutes * MINUTE <= watermark;
    w.priceSum = money(w.priceSum);
    w.revenue = money(w.revenue);
  }
  return { windows, late, watermark };
}

/**
 * One BookingCreated and one PriceCalculated per region at `at`: every partition of booking-events and
 * pricing-events that holds data (they are keyed by region) gets an event that late.
 */
export function closingEvents(at: number, tag: string): DomainEvent[] {
  return REGIONS.flatMap((r): DomainEvent[] => {
    const booking = `close-${tag}-${r.id}`;
    return [
      {
        event_id: `${booking}-created`, occurred_at: at, producer: 'booking-service', schema_version: 1, event_type: 'BookingCreated',
        data: { booking_id: booking, rider_id: `rider-${booking}`, region_id: r.id, pickup: r.center, dropoff: { lat: r.center.lat + 0.01, lon: r.center.lon + 0.01 }, estimated_distance_km: 2.5, weather: 'clear' },
      },
      {
        event_id: `${booking}-priced`, occurred_at: at + 1, producer: 'pricing-service', schema_version: 1, event_type: 'PriceCalculated',
        data: { booking_id: booking, region_id: r.id, base_fare: 250, surge_multiplier: 1.2, final_price: 300, currency: 'RUB' },
      },
    ];
  });
}
