/**
 * Live windows for the metrics subscriptions: the PubSub channels of schema/live-channels.ts read
 * through subscribeIterator (connectors/contracts/pub-sub.ts), filtered to the asked window size
 * and regions.
 */
import { subscribeIterator, type PubSub } from '../../connectors/contracts/pub-sub.ts';
import { isWindowMessage, platformWindowsChannel, regionWindowsChannel, type WindowMessage } from '../../schema/live-channels.ts';
import type { WindowNode } from './rows.ts';

/** Windows of the given regions (each region's channel), newest messages as they are published. */
export function liveRegionWindows(pubsub: PubSub, windowMinutes: number, regionIds: readonly string[]): Promise<AsyncIterableIterator<WindowMessage>> {
  const wanted = new Set(regionIds);
  return subscribeIterator(
    pubsub,
    regionIds.map((r) => regionWindowsChannel(windowMinutes, r)),
    (m): m is WindowMessage => isWindowMessage(m) && m.windowMinutes === windowMinutes && m.regionId !== undefined && wanted.has(m.regionId),
  );
}

export function livePlatformWindows(pubsub: PubSub, windowMinutes: number): Promise<AsyncIterableIterator<WindowMessage>> {
  return subscribeIterator(
    pubsub,
    [platformWindowsChannel(windowMinutes)],
    (m): m is WindowMessage => isWindowMessage(m) && m.windowMinutes === windowMinutes && m.regionId === undefined,
  );
}

export function windowFromMessage(m: WindowMessage): WindowNode {
  return {
    regionId: m.regionId ?? null,
    windowMinutes: m.windowMinutes,
    windowStart: m.windowStart,
    windowEnd: m.windowEnd,
    tripCount: m.tripCount,
    completedCount: m.completedCount,
    cancelledCount: m.cancelledCount,
    cancellationRate: m.cancellationRate,
    averagePrice: m.avgPrice,
    revenue: m.revenue,
    isFinal: m.isFinal,
  };
}
