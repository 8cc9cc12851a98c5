/**
 * Which partitions hold a windowing job's watermarks: every partition of the job's topics that holds
 * data (end offset > 0) is registered with the window state, so a partition the consumer has not
 * reached yet cannot be overtaken (its events would turn late). A registered partition that yields
 * no valid event stops counting once the group has consumed all of it (only malformed records), or
 * after `unseenPartitionTimeoutMs` of processing time. Plus the rewind of a group that lost its
 * checkpoint.
 */
import type { Logger } from 'pino';
import type { EventLog } from '../../connectors/contracts/event-log.ts';
import { errorMessage } from '../../schema/errors.ts';

/** The window state's side of it (partition keys are `topic:partition`). */
export interface TrackedPartitions {
  registerPartitions(keys: readonly string[]): void;
  /** Known partitions that delivered neither an event nor a watermark mark yet. */
  unseenPartitions(): string[];
  forgetUnseenPartition(key: string): void;
}

export interface PartitionTrackerConfig {
  /** How often (processing time) the log is asked which partitions hold data. */
  readonly partitionRefreshMs: number;
  readonly unseenPartitionTimeoutMs: number;
}

export interface PartitionTracker {
  /** Re-reads the log's end offsets (at most every partitionRefreshMs unless forced). */
  refresh(force: boolean): Promise<void>;
}

export function createPartitionTracker(
  log: EventLog,
  groupId: string,
  topics: readonly string[],
  config: PartitionTrackerConfig,
  state: TrackedPartitions,
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
      for (const topic of topics) for (const [p, e] of Object.entries(await log.endOffsets(topic))) ends.set(`${topic}:${p}`, BigInt(e));
      state.registerPartitions([...ends].filter(([k, e]) => e > 0n && e > (givenUp.get(k) ?? -1n)).map(([k]) => k));
      const unseen = state.unseenPartitions();
      if (unseen.length === 0) return;
      const committed = new Map<string, bigint>();
      for (const topic of topics) for (const [p, c] of Object.entries(await log.committedOffsets(groupId, topic))) committed.set(`${topic}:${p}`, BigInt(c));
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

/**
 * No checkpoint but a group with committed offsets (the warehouse was reset, or the table is new):
 * the windows of those records are gone, so the group starts over from the beginning of the log.
 * (With a checkpoint, a group ahead of it only skipped records the job never sees: malformed ones.)
 */
export async function rewindGroup(log: EventLog, groupId: string, topics: readonly string[], logger: Logger): Promise<void> {
  for (const topic of topics) {
    const committed = await log.committedOffsets(groupId, topic);
    const moves: Record<number, string> = {};
    for (const [p, c] of Object.entries(committed)) if (BigInt(c) > 0n) moves[Number(p)] = '0';
    if (Object.keys(moves).length === 0) continue;
    logger.warn({ topic, groupId }, 'no window checkpoint but the group has committed offsets; consuming again from the beginning');
    try {
      await log.setOffsets(groupId, topic, moves);
    } catch (e) {
      logger.error({ err: errorMessage(e), topic }, 'could not rewind the consumer group; windows before its offsets stay missing');
    }
  }
}
