/**
 * The surge training set from the lake: one row per priced trip (silver.trips, label = the surge
 * multiplier the pricing service applied, from PriceCalculated), features at the trip's request time:
 * region demand over the last hour (view region_demand, point in time), the local hour and weekend of
 * the region, and the weather at booking. Rows in request-time order, split 60/20/20 by time.
 */
import { getHistoricalFeatures, type EntityRow } from '../../features/offline/index.ts';
import { hourCycle, type Dataset } from './dataset.ts';
import { LineageCollector, num, readLabels, regionLocalTime, timeRange, timeSplit, type PlatformDatasetOptions } from './platform-support.ts';

export const PLATFORM_SURGE_FEATURES = ['region_demand_1h', 'hour_sin', 'hour_cos', 'is_weekend', 'weather_rain', 'weather_snow'] as const;

export interface PlatformSurgeDataset extends Dataset {
  readonly tripIds: readonly string[];
  readonly labelTimes: readonly number[];
}

export async function platformSurgeDataset(o: PlatformDatasetOptions): Promise<PlatformSurgeDataset> {
  const lineage = new LineageCollector();
  const trips = await readLabels(o.source, lineage, 'silver.trips', (rel) =>
    `SELECT trip_id, region_id, requested_at, surge_multiplier, weather FROM ${rel} AS t
     WHERE surge_multiplier IS NOT NULL AND requested_at IS NOT NULL AND region_id IS NOT NULL${timeRange('requested_at', o)}
     ORDER BY requested_at, trip_id`);
  const entityRows: EntityRow[] = trips.map((t) => ({ region_id: String(t.region_id), event_timestamp: Number(t.requested_at), trip_id: String(t.trip_id), surge: Number(t.surge_multiplier), weather: t.weather === null ? null : String(t.weather) }));
  const h = await getHistoricalFeatures(o.source, entityRows, ['region_demand:region_demand_1h']);
  lineage.addRetrieval(h);
  const x: number[][] = [];
  const y: number[] = [];
  const tripIds: string[] = [];
  const labelTimes: number[] = [];
  for (const r of h.rows) {
    const at = r.event_timestamp as number;
    const t = regionLocalTime(at, String(r.region_id));
    const { hourSin, hourCos } = hourCycle(t.hour);
    // no booking within the view's TTL before the request: no recent demand
    x.push([num(r.region_demand_1h, 0), hourSin, hourCos, t.weekend, r.weather === 'rain' ? 1 : 0, r.weather === 'snow' ? 1 : 0]);
    y.push(num(r.surge, 1));
    tripIds.push(String(r.trip_id));
    labelTimes.push(at);
  }
  return { featureNames: PLATFORM_SURGE_FEATURES, x, y, ...timeSplit(labelTimes), tripIds, labelTimes, lineage: lineage.lineage(x.length, labelTimes) };
}
