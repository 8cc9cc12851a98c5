/** Resolvers of the metrics subgraph (schema/subgraphs/metrics.graphql). */
import type { PubSub } from '../../connectors/contracts/pub-sub.ts';
import type { Warehouse } from '../../connectors/contracts/warehouse.ts';
import { REGION_IDS } from '../../schema/regions.ts';
import type { WindowMessage } from '../../schema/live-channels.ts';
import { DateTimeScalar, badUserInput, intInRange, optionalRange, type RequestInfo, type SubgraphResolvers } from '../common/index.ts';
import { livePlatformWindows, liveRegionWindows, windowFromMessage } from './live.ts';
import { jobStatuses, platformWindows, regionWindows } from './queries.ts';
import { windowsResolvers } from './windows-resolvers.ts';
import type { WindowSpec } from '../../schema/windows/window-spec.ts';

export interface MetricsContext extends RequestInfo {
  readonly warehouse: Warehouse;
  readonly pubsub: PubSub;
  /** Window sizes (minutes) the stream aggregation produces. */
  readonly windowSizes: readonly number[];
  /** A running job whose last heartbeat is older than this is shown as `stale`. */
  readonly jobStaleAfterMs: number;
  /** The window specs the platform runs (windowSpecs, specWindows, specWindowUpdates). */
  readonly windowSpecs: readonly WindowSpec[];
}

interface WindowArgs {
  readonly windowMinutes: number;
  readonly from?: number | null;
  readonly to?: number | null;
  readonly last?: number | null;
}

function checkWindowMinutes(minutes: number, sizes: readonly number[]): number {
  if (!sizes.includes(minutes)) {
    throw badUserInput(`"windowMinutes" must be one of the aggregated window sizes ${sizes.join(', ')}, got ${minutes}`, { argument: 'windowMinutes', allowed: [...sizes] });
  }
  return minutes;
}

function checkRegion(regionId: string): string {
  if (!REGION_IDS.includes(regionId)) {
    throw badUserInput(`unknown "regionId" ${JSON.stringify(regionId)} (known: ${REGION_IDS.join(', ')})`, { argument: 'regionId' });
  }
  return regionId;
}

function windowQuery(args: WindowArgs, ctx: MetricsContext) {
  const range = optionalRange(args.from, args.to);
  return {
    windowMinutes: checkWindowMinutes(args.windowMinutes, ctx.windowSizes),
    from: range.from,
    to: range.to,
    last: intInRange(args.last ?? 12, 1, 1000, 'last'),
  };
}

export function metricsResolvers(): SubgraphResolvers<MetricsContext> {
  const windows = windowsResolvers();
  return {
    SpecWindow: windows.SpecWindow,
    DateTime: DateTimeScalar,
    Query: {
      jobs: (_: unknown, __: unknown, ctx: MetricsContext) => jobStatuses(ctx.warehouse, ctx.jobStaleAfterMs),
      counters: async (_: unknown, __: unknown, ctx: MetricsContext) => {
        const jobs = await jobStatuses(ctx.warehouse, ctx.jobStaleAfterMs);
        return {
          eventsProcessed: jobs.reduce((s, j) => s + j.processed, 0),
          eventsDeadLettered: jobs.reduce((s, j) => s + j.deadLettered, 0),
          jobs: jobs.map((j) => ({ job: j.job, processed: j.processed, deadLettered: j.deadLettered })),
        };
      },
      regionWindows: (_: unknown, args: WindowArgs & { readonly regionId: string }, ctx: MetricsContext) =>
        regionWindows(ctx.warehouse, args.regionId, windowQuery(args, ctx)),
      platformWindows: (_: unknown, args: WindowArgs, ctx: MetricsContext) => platformWindows(ctx.warehouse, windowQuery(args, ctx)),
      ...windows.Query,
    },
    Subscription: {
      regionAggregates: {
        subscribe: (_: unknown, args: { readonly regionId?: string | null; readonly windowMinutes: number }, ctx: MetricsContext) => {
          const minutes = checkWindowMinutes(args.windowMinutes, ctx.windowSizes);
          const regions = args.regionId == null ? REGION_IDS : [checkRegion(args.regionId)];
          return liveRegionWindows(ctx.pubsub, minutes, regions);
        },
        resolve: (m: WindowMessage) => windowFromMessage(m),
      },
      platformTotals: {
        subscribe: (_: unknown, args: { readonly windowMinutes: number }, ctx: MetricsContext) =>
          livePlatformWindows(ctx.pubsub, checkWindowMinutes(args.windowMinutes, ctx.windowSizes)),
        resolve: (m: WindowMessage) => windowFromMessage(m),
      },
      ...windows.Subscription,
    },
  };
}
