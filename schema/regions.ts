/** GoFuture's operating regions: reference data shared by the simulator, subgraphs and models. */
export interface RegionInfo {
  readonly id: string;
  readonly name: string;
  readonly city: string;
  readonly timezoneOffsetHours: number;
  /** Relative demand weight (share of bookings). */
  readonly demandWeight: number;
  /** Payments from this region count as a high-risk geography in the seed 001 fraud rules. */
  readonly highRisk: boolean;
  readonly center: { readonly lat: number; readonly lon: number };
}

export const REGIONS: readonly RegionInfo[] = Object.freeze([
  { id: 'msk-center', name: 'Moscow Center', city: 'Moscow', timezoneOffsetHours: 3, demandWeight: 0.26, highRisk: false, center: { lat: 55.7558, lon: 37.6173 } },
  { id: 'msk-north', name: 'Moscow North', city: 'Moscow', timezoneOffsetHours: 3, demandWeight: 0.14, highRisk: false, center: { lat: 55.8354, lon: 37.6 } },
  { id: 'msk-south', name: 'Moscow South', city: 'Moscow', timezoneOffsetHours: 3, demandWeight: 0.13, highRisk: false, center: { lat: 55.65, lon: 37.62 } },
  { id: 'spb-center', name: 'Saint Petersburg Center', city: 'Saint Petersburg', timezoneOffsetHours: 3, demandWeight: 0.17, highRisk: false, center: { lat: 59.9343, lon: 30.3351 } },
  { id: 'kzn', name: 'Kazan', city: 'Kazan', timezoneOffsetHours: 3, demandWeight: 0.1, highRisk: false, center: { lat: 55.7961, lon: 49.1064 } },
  { id: 'ekb', name: 'Yekaterinburg', city: 'Yekaterinburg', timezoneOffsetHours: 5, demandWeight: 0.1, highRisk: false, center: { lat: 56.8389, lon: 60.6057 } },
  { id: 'nsk', name: 'Novosibirsk', city: 'Novosibirsk', timezoneOffsetHours: 7, demandWeight: 0.07, highRisk: true, center: { lat: 55.0084, lon: 82.9357 } },
  { id: 'sochi', name: 'Sochi', city: 'Sochi', timezoneOffsetHours: 3, demandWeight: 0.03, highRisk: true, center: { lat: 43.5855, lon: 39.7231 } },
]);

export const REGION_IDS: readonly string[] = REGIONS.map((r) => r.id);

export function findRegion(id: string): RegionInfo | undefined {
  return REGIONS.find((r) => r.id === id);
}
