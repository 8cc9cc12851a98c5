/** What each domain event adds to a window's counters (the aggregates of seed 002's Flink jobs). */
import type { DomainEvent } from '../../schema/events/domain-events.ts';

export interface WindowCounters {
  tripCount: number;
  completedCount: number;
  cancelledCount: number;
  priceCount: number;
  priceSum: number;
  revenue: number;
}

export interface Contribution {
  readonly regionId: string;
  readonly apply: (c: WindowCounters) => void;
}

/** What an event adds to its region's windows; null for events the aggregates do not use. */
export function contributionOf(event: DomainEvent): Contribution | null {
  switch (event.event_type) {
    case 'BookingCreated':
      return { regionId: event.data.region_id, apply: (c) => void c.tripCount++ };
    case 'BookingCompleted': {
      const fare = event.data.fare;
      return { regionId: event.data.region_id, apply: (c) => ((c.completedCount += 1), (c.revenue += fare)) };
    }
    case 'BookingCancelled':
      return { regionId: event.data.region_id, apply: (c) => void c.cancelledCount++ };
    case 'PriceCalculated': {
      const price = event.data.final_price;
      return { regionId: event.data.region_id, apply: (c) => ((c.priceCount += 1), (c.priceSum += price)) };
    }
    default:
      return null;
  }
}

export const emptyCounters = (): WindowCounters => ({ tripCount: 0, completedCount: 0, cancelledCount: 0, priceCount: 0, priceSum: 0, revenue: 0 });

export function addCounters(into: WindowCounters, c: Readonly<WindowCounters>): WindowCounters {
  into.tripCount += c.tripCount;
  into.completedCount += c.completedCount;
  into.cancelledCount += c.cancelledCount;
  into.priceCount += c.priceCount;
  into.priceSum += c.priceSum;
  into.revenue += c.revenue;
  return into;
}

