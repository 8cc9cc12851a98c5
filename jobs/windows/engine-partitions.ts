/**
 * Which partitions hold the window engine's watermarks (the rule of
 * jobs/aggregation/partition-tracker.ts, for any topics): every partition of the engine's topics
 * with data is registered; one that yields no valid event stops counting once the group consumed
 * it all, or after `unseenPartitionTimeoutMs`. Plus the rewind of a group that lost its checkpoint.
 */
import type { Logger } from 'pino';
import type { EventLog } from '../../connectors/contracts/event-log.ts';
import { errorMessage } from '../../schema/errors.ts';
import type { WindowsConfig } from './config.ts';
import type { WindowEngine } from './window-engine.ts';

export interface EnginePartitionTracker {
  refresh(force: boolean): Promise<void>;
}

export function createEnginePartitionTracker(
  log: EventLog,
  groupId: string,
  topics: readonly string[],
  config: Pick<WindowsConfig, 'partitionRefreshMs' | 'unseenPartitionTimeoutMs'>,
  engine: WindowEngine,
  logger: Logger,
): EnginePartitionTracker {
  let last = 0;
  const unseenSince = new Map<string, number>();
  const givenUp = new Map<string, bigint>();
  return {
    async refresh(force) {
      const now = Date.now();
      if (!force && now - last < config.partitionRefreshMs) return;
      last = now;
      const ends = new Map<string, bigint>();
      for (const topic of topics) for (const [p, e] of Object.entries(await log.endOffsets(topic))) ends.set(`${topic}:${p}`, BigInt(e));
      engine.registerPartitions([...ends].filter(([k, e]) => e > 0n && e > (givenUp.get(k) ?? -1n)).map(([k]) => k));
      const unseen = engine.unseenPartitions();
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
        engine.forgetUnseenPartition(key);
        unseenSince.delete(key);
        givenUp.set(key, end);
        if (timedOut && !consumedAll) logger.warn({ partition: key }, 'partition holds data but delivered no valid event in time; it no longer holds the watermark');
      }
    },
  };
}

/** No checkpoint but committed offsets (a reset warehouse): consume again from the beginning. */
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
