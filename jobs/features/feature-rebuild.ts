/**
 * Rebuilds the features of a non-durable OnlineStore from the event log (see realtime-features.ts):
 * every retained record of the job's topics below the group's committed offsets is read outside the
 * group and applied like a batch. Nothing is dead-lettered or counted again (those records were
 * handled when they first arrived); events the state already holds change nothing (set of event
 * ids), the ones a crash lost come back. Records at or above the committed offsets are left to the
 * consumer, so together they apply every retained record.
 */
import type { Logger } from 'pino';
import type { EventLog } from '../../connectors/contracts/event-log.ts';
import type { OnlineStore } from '../../connectors/contracts/online-store.ts';
import { parseDomainEvent } from '../../schema/events/domain-events.ts';
import type { ParsedRecord } from '../support/event-consumer.ts';

/** Event types that feed a feature (contributionsOf): others are skipped before parsing. */
const FEEDING = ['"BookingCreated"', '"BookingCompleted"', '"DriverRated"'];

export interface RebuildOptions {
  readonly log: EventLog;
  readonly store: OnlineStore;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly logger: Logger;
  /** Applies one partition's records (the job passes updateFeatures behind its gate). */
  readonly apply: (records: readonly ParsedRecord[]) => Promise<void>;
  readonly chunk?: number;
}

/** Returns the number of records re-applied. */
export async function rebuildFeaturesFromLog(o: RebuildOptions): Promise<number> {
  const chunk = o.chunk ?? 2000;
  let applied = 0;
  for (const topic of o.topics) {
    const committed = await o.log.committedOffsets(o.groupId, topic);
    for (const [p, end] of Object.entries(committed)) {
      const partition = Number(p);
      const stop = BigInt(end);
      let next = 0n;
      while (next < stop) {
        const records = await o.log.read(topic, partition, next.toString(), chunk);
        if (records.length === 0) break;
        const parsed: ParsedRecord[] = [];
        for (const record of records) {
          if (BigInt(record.offset) >= stop) break;
          if (!FEEDING.some((t) => record.value.includes(t))) continue;
          const r = parseDomainEvent(record.value);
          if (r.ok) parsed.push({ record, event: r.event });
        }
        if (parsed.length > 0) await o.apply(parsed);
        applied += parsed.length;
        const last = records[records.length - 1];
        next = last ? BigInt(last.offset) + 1n : stop;
      }
    }
  }
  return applied;
}
