/**
 * Which partitions hold the job watermark: every partition of the source topics that holds data
 * (end offset > 0) is registered with the WindowState, so a partition the consumer has not reached
 * yet cannot be overtaken (its events would turn late). A registered partition that yields no valid
 * event stops counting once the group has consumed all of it (only malformed records), or after
 * `unseenPartitionTimeoutMs` of processing time.
 */
import type { Logger } from 'pino';
import type { EventLog, PartitionOffsets } from '../../connectors/contracts/event-log.ts';
import { TOPICS } from '../../schema/events/topics.ts';
import type { AggregationConfig } from './config.ts';
import type { WindowState } from './window-state.ts';

export const SOURCE_TOPICS = [TOPICS.booking.name, TOPICS.pricing.name] as const;

/** Keeps the state's set of partitions-with-data current. */
export interface PartitionTracker {
  /** Re-reads the log's end offsets (at most every partitionRefreshMs unless forced). */
  refresh(force: boolean): Promise<void>;
}

export function createPartitionTracker(
  log: EventLog,
  groupId: string,
  config: Pick<AggregationConfig, 'partitionRefreshMs' | 'unseenPartitionTimeoutMs'>,
  state: WindowState,
  logger: Logger,
): PartitionTracker {
  let last = 0;
  const unseenSince = new Map<string, number>();
  /** Partitions given up on, with the end offset they had then (re-registered if it grows). */
  const givenUp = new Map<string, bigint>();
  return {
    async refresh(force) {
      const now = Date.now();
      if (!force && now - last < config.partitionRefreshMs) return;
      last = now;
      const ends = new Map<string, bigint>();
      for (const topic of SOURCE_TOPICS) {
        const offsets: PartitionOffsets = await log.endOffsets(topic);
        for (const [p, e] of Object.entries(offsets)) ends.set(`${topic}:${p}`, BigInt(e));
      }
      state.registerPartitions([...ends].filter(([k, e]) => e > 0n && e > (givenUp.get(k) ?? -1n)).map(([k]) => k));
      const unseen = state.unseenPartitions();
      if (unseen.length === 0) return;
      const committed = new Map<string, bigint>();
      for (const topic of SOURCE_TOPICS) {
        for (const [p, c] of Object.entries(await log.committedOffsets(groupId, topic))) committed.set(`${topic}:${p}`, BigInt(c));
      }
      for (const key of unseen) {
        const since = unseenSince.get(key) ?? now;
        unseenSince.set(key, since);
        const end = ends.get(key) ?? 0n;
        const consumedAll = (committed.get(key) ?? 0n) >= end;
        const timedOut = config.unseenPartitionTimeoutMs > 0 && now - since >= config.unseenPartitionTimeoutMs;
        if (!consumedAll && !timedOut) continue;
        state.forgetUnseenPartition(key);
        unseenSince.delete(key);
        givenUp.set(key, end);
        if (timedOut && !consumedAll) logger.warn({ partition: key }, 'partition holds data but delivered no valid event in time; it no longer holds the watermark');
      }
    },
  };
}
