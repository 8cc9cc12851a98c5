/**
 * The demand training set from the lake: one row per region and full hour H whose next hour is
 * inside the data, label = bookings created in the region in [H, H + 1 h) (silver.events), features
 * as of 1 ms before H: region demand over the last hour (view region_demand, point in time), the same
 * hour yesterday (the label of H - 24 h; the last-hour value when the lake does not reach back a day),
 * the region's local hour and weekend of H, and the latest weather seen in the region before H.
 * Feature names are the serving vector's (DEMAND_FEATURES). Rows in hour order, split 60/20/20 by time.
 */
import { getHistoricalFeatures, type EntityRow } from '../../features/offline/index.ts';
import { DEMAND_FEATURES } from './demand.ts';
import { hourCycle, type Dataset } from './dataset.ts';
import { LineageCollector, num, readLabels, regionLocalTime, timeRange, timeSplit, type PlatformDatasetOptions } from './platform-support.ts';

const HOUR = 3_600_000;

export interface PlatformDemandDataset extends Dataset {
  readonly regions: readonly string[];
  /** Start of the hour each label counts. */
  readonly hours: readonly number[];
}

export async function platformDemandDataset(o: PlatformDatasetOptions): Promise<PlatformDemandDataset> {
  const lineage = new LineageCollector();
  const created = await readLabels(o.source, lineage, 'silver.events', (rel) =>
    `SELECT region_id, CAST(floor(occurred_at / ${HOUR}) AS BIGINT) * ${HOUR} AS hour, count(*) AS trips,
            min(occurred_at) AS first_at, max(occurred_at) AS last_at,
            arg_max(json_extract_string(data, '$.weather'), occurred_at) AS weather
     FROM ${rel} AS e WHERE event_type = 'BookingCreated' AND region_id IS NOT NULL${timeRange('occurred_at', o)}
     GROUP BY 1, 2 ORDER BY 2, 1`);
  if (created.length === 0) return { featureNames: DEMAND_FEATURES, x: [], y: [], validationFrom: 0, testFrom: 0, regions: [], hours: [], lineage: lineage.lineage(0, []) };
  const first = Math.min(...created.map((c) => Number(c.first_at)));
  const last = Math.max(...created.map((c) => Number(c.last_at)));
  const counts = new Map<string, { trips: number; weather: string | null }>();
  for (const c of created) counts.set(`${String(c.region_id)}@${Number(c.hour)}`, { trips: Number(c.trips), weather: c.weather === null ? null : String(c.weather) });
  const regions = [...new Set(created.map((c) => String(c.region_id)))].sort();
  // hours H with a full hour of data before H (the features' window) and the next hour in the data
  // (the label; data reaching within a minute of its end counts as covering it)
  const entityRows: EntityRow[] = [];
  for (let hour = Math.ceil(first / HOUR) * HOUR + HOUR; hour + HOUR <= last + 60_000; hour += HOUR) {
    for (const region of regions) entityRows.push({ region_id: region, event_timestamp: hour - 1, hour });
  }
  const h = await getHistoricalFeatures(o.source, entityRows, ['region_demand:region_demand_1h']);
  lineage.addRetrieval(h);
  const x: number[][] = [];
  const y: number[] = [];
  const hours: number[] = [];
  const rowRegions: string[] = [];
  for (const r of h.rows) {
    const hour = r.hour as number;
    const region = String(r.region_id);
    const lastHour = num(r.region_demand_1h, 0);
    const yesterday = counts.get(`${region}@${hour - 24 * HOUR}`)?.trips ?? (hour - 24 * HOUR >= first ? 0 : lastHour);
    // the weather of the latest hour before H with a booking in the region
    let weather: string | null = null;
    for (let back = HOUR; back <= 6 * HOUR && weather === null; back += HOUR) weather = counts.get(`${region}@${hour - back}`)?.weather ?? null;
    const t = regionLocalTime(hour, region);
    const { hourSin, hourCos } = hourCycle(t.hour);
    x.push([lastHour, yesterday, hourSin, hourCos, t.weekend, weather === 'rain' ? 1 : 0, weather === 'snow' ? 1 : 0]);
    y.push(counts.get(`${region}@${hour}`)?.trips ?? 0);
    hours.push(hour);
    rowRegions.push(region);
  }
  return { featureNames: DEMAND_FEATURES, x, y, ...timeSplit(hours), regions: rowRegions, hours, lineage: lineage.lineage(x.length, hours) };
}
