/**
 * `historicalFeatures(view, ids, at)`: small point-in-time look-ups in the offline store (the lake),
 * what a training row of that entity at `at` would get. The retrieval itself is the composition
 * root's (bin/features-offline.ts over jobs/features/offline); this file checks the request and
 * shapes the answer. Without an offline store the field answers FEATURE_STORE_UNAVAILABLE.
 */
import type { FeatureValue } from '../../connectors/contracts/online-store.ts';
import { PlatformError } from '../../schema/errors.ts';
import { featureView, FEATURE_VIEWS } from '../../schema/features/index.ts';
import { badUserInput } from '../common/index.ts';
import type { FeaturesContext } from './context.ts';

/** Largest id list historicalFeatures accepts (each look-up scans the view's snapshot). */
export const MAX_HISTORICAL_IDS = 100;

export interface HistoricalLookup {
  /** Epoch ms of the row the values come from; null when none within the view's TTL. */
  readonly eventTimestamp: number | null;
  readonly values: Readonly<Record<string, FeatureValue>>;
}

/** Point-in-time values of every feature of `view` for each id at `at` (result i for ids[i]). */
export interface HistoricalFeatureApi {
  lookup(view: string, ids: readonly string[], at: number): Promise<HistoricalLookup[]>;
}

export async function historicalFeatures(args: { readonly view: string; readonly ids: readonly string[]; readonly at: number }, ctx: FeaturesContext) {
  const view = featureView(args.view);
  if (!view) throw badUserInput(`no feature view ${args.view} (views: ${FEATURE_VIEWS.map((v) => v.name).join(', ')})`, { argument: 'view' });
  if (args.ids.length > MAX_HISTORICAL_IDS) throw badUserInput(`ids holds ${args.ids.length} ids; at most ${MAX_HISTORICAL_IDS} per call`, { argument: 'ids', max: MAX_HISTORICAL_IDS });
  if (args.ids.some((id) => id.length === 0 || id.length > 128)) throw badUserInput('ids must be 1..128 characters long', { argument: 'ids' });
  if (!ctx.historical) throw new PlatformError('FEATURE_STORE_UNAVAILABLE', 'this features subgraph has no offline store (the lake) configured', { what: 'offline store' });
  const found = await ctx.historical.lookup(view.name, args.ids, args.at);
  return args.ids.map((id, i) => {
    const r = found[i];
    return {
      view: view.name,
      id,
      at: args.at,
      eventTimestamp: r?.eventTimestamp ?? null,
      values: view.schema.map((f) => {
        const v = r?.values[f.name] ?? null;
        return { name: f.name, value: typeof v === 'number' ? v : null, text: v === null ? null : String(v) };
      }),
    };
  });
}
