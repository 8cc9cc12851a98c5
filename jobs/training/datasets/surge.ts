/**
 * Surge multiplier data: demand/supply balance, time of day, weekend, weather and recent
 * cancellations drive the multiplier that pricing applied, within [1, 3] (seed 000).
 */
import type { Prng } from '../prng.ts';
import { clamp, hourCycle, rushHour, splitPoints, type Dataset } from './dataset.ts';

export const SURGE_FEATURES = ['demand_supply_ratio', 'hour_sin', 'hour_cos', 'is_weekend', 'weather_rain', 'weather_snow', 'recent_cancellation_rate'] as const;

export function surgeDataset(rng: Prng, rows: number): Dataset {
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < rows; i++) {
    const hour = rng.int(0, 23);
    const weekend = rng.bernoulli(2 / 7) ? 1 : 0;
    const weather = rng.pick(['clear', 'rain', 'snow'] as const, [0.7, 0.2, 0.1]);
    const rain = weather === 'rain' ? 1 : 0;
    const snow = weather === 'snow' ? 1 : 0;
    const peak = rushHour(hour) * (weekend ? 0.5 : 1);
    const ratio = clamp(Math.exp(rng.normal(Math.log(0.9) + 0.35 * peak + 0.2 * rain + 0.3 * snow, 0.45)), 0, 10);
    const cancellations = clamp(rng.normal(0.08 + 0.05 * rain + 0.08 * snow, 0.04), 0, 0.6);
    const surge = 1 + 0.9 * Math.max(0, ratio - 1) + 0.15 * rain + 0.3 * snow + 0.1 * peak + 1.2 * cancellations + rng.normal(0, 0.08);
    const { hourSin, hourCos } = hourCycle(hour);
    x.push([ratio, hourSin, hourCos, weekend, rain, snow, cancellations]);
    y.push(clamp(surge, 1, 3));
  }
  return { featureNames: SURGE_FEATURES, x, y, ...splitPoints(rows) };
}
