/**
 * Hourly demand per region: a simulated series (region level from schema/regions.ts, daily rush-hour
 * shape, weekends, weather spells, slow level drift, Poisson counts). Each row forecasts hour t from
 * hour t-1 and hour t-24; days split 60/20/20 into train, validation and the held-out test split; rows are in time order
 * (hour by hour, regions within an hour), so nothing peeks at the future.
 */
import { REGIONS } from '../../../schema/regions.ts';
import type { Prng } from '../prng.ts';
import { hourCycle, rushHour, type Dataset } from './dataset.ts';

export const DEMAND_FEATURES = ['trips_last_hour', 'trips_same_hour_yesterday', 'hour_sin', 'hour_cos', 'is_weekend', 'weather_rain', 'weather_snow'] as const;

type Weather = 'clear' | 'rain' | 'snow';

interface HourPoint {
  readonly trips: number;
  readonly weather: Weather;
}

function simulateRegion(rng: Prng, demandWeight: number, days: number): HourPoint[] {
  const points: HourPoint[] = [];
  let weather: Weather = 'clear';
  let drift = 1;
  for (let d = 0; d < days; d++) {
    drift = Math.min(1.5, Math.max(0.6, drift * Math.exp(rng.normal(0, 0.04))));
    const weekend = d % 7 === 5 || d % 7 === 6;
    for (let h = 0; h < 24; h++) {
      if (rng.bernoulli(0.08)) weather = rng.pick(['clear', 'rain', 'snow'] as const, [0.65, 0.25, 0.1]);
      const shape = 0.25 + 0.7 * rushHour(h) * (weekend ? 0.6 : 1) + (weekend ? 0.35 * Math.exp(-((h - 14) ** 2) / 12) : 0);
      const weatherFactor = weather === 'rain' ? 1.2 : weather === 'snow' ? 1.35 : 1;
      const lambda = 420 * demandWeight * drift * shape * weatherFactor;
      points.push({ trips: rng.poisson(lambda), weather });
    }
  }
  return points;
}

export function demandDataset(rng: Prng, days: number): Dataset {
  const validationDay = Math.floor(days * 0.6);
  const testDay = Math.floor(days * 0.8);
  // rows by split (0 train, 1 validation, 2 test): whole days, in time order
  const xs: number[][][] = [[], [], []];
  const ys: number[][] = [[], [], []];
  // every region's series first (the same draws as region by region), then rows hour by hour
  // across regions, so each split is in time order (time-series cross-validation relies on it)
  const all = REGIONS.map((region) => simulateRegion(rng, region.demandWeight, days));
  for (let t = 24; t < days * 24; t++) {
    for (const series of all) {
      const now = series[t] as HourPoint;
      const day = Math.floor(t / 24);
      const { hourSin, hourCos } = hourCycle(t % 24);
      const row = [
        (series[t - 1] as HourPoint).trips,
        (series[t - 24] as HourPoint).trips,
        hourSin,
        hourCos,
        day % 7 === 5 || day % 7 === 6 ? 1 : 0,
        now.weather === 'rain' ? 1 : 0,
        now.weather === 'snow' ? 1 : 0,
      ];
      const split = day < validationDay ? 0 : day < testDay ? 1 : 2;
      xs[split]?.push(row);
      ys[split]?.push(now.trips);
    }
  }
  const [train = [], validation = [], test = []] = xs;
  return { featureNames: DEMAND_FEATURES, x: [...train, ...validation, ...test], y: ys.flat(), validationFrom: train.length, testFrom: train.length + validation.length };
}
