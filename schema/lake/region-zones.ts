/** IANA time zone of each region (schema/regions.ts gives the fixed UTC offset; no DST in these zones). */
import { REGIONS } from '../regions.ts';

const ZONES: Readonly<Record<string, string>> = {
  Moscow: 'Europe/Moscow',
  'Saint Petersburg': 'Europe/Moscow',
  Kazan: 'Europe/Moscow',
  Sochi: 'Europe/Moscow',
  Yekaterinburg: 'Asia/Yekaterinburg',
  Novosibirsk: 'Asia/Novosibirsk',
};

export interface RegionZone {
  readonly regionId: string;
  readonly name: string;
  readonly city: string;
  readonly timeZone: string;
  readonly utcOffsetHours: number;
  readonly highRisk: boolean;
}

export const REGION_ZONES: readonly RegionZone[] = REGIONS.map((r) => ({
  regionId: r.id, name: r.name, city: r.city, timeZone: ZONES[r.city] ?? 'UTC', utcOffsetHours: r.timezoneOffsetHours, highRisk: r.highRisk,
}));
