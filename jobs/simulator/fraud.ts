/**
 * Velocity fraud (seed 001, schema/fraud-patterns.ts `burst`): a fraudster fires a burst of more
 * than 5 payments within 30 minutes, mostly at night, often from high-risk regions, often in crypto,
 * some of very high amounts. These are card-testing payments: their booking ids belong to no booking
 * (no booking or saga events). Each is labelled fraud (pattern card_testing) on fraud-labels.
 */
import { FRAUD_PATTERNS } from '../../schema/fraud-patterns.ts';
import type { SimContext } from './context.ts';
import { round2 } from './prng.ts';
import { localHour } from './world.ts';

/** Default bursts per night hour per booking per second of ratePerSecond. */
export const BURSTS_PER_HOUR_PER_RATE = 4;

/** One simulated second: maybe start a burst. Bursts are 5x likelier in local night hours (23-05). */
export function stepFraud(ctx: SimContext, time: number): void {
  const { rng, world, config } = ctx;
  const perHour = config.fraudBurstsPerHour ?? BURSTS_PER_HOUR_PER_RATE * config.ratePerSecond;
  if (perHour <= 0) return;
  const B = FRAUD_PATTERNS.burst;
  const region = world.regions[rng.weightedIndex(world.regions.map((r) => r.info.demandWeight * (r.info.highRisk ? B.highRiskRegionWeight : 1)))];
  if (!region) return;
  const hour = localHour(time, region.info);
  const night = hour >= 23 || hour < 5;
  if (!rng.chance((perHour / 3600) * (night ? 1 : B.dayFactor))) return;
  const user = world.fraudsters.length > 0 ? rng.pick(world.fraudsters) : rng.pick(world.riders);
  ctx.counters.fraudBursts++;
  const count = rng.int(B.minPayments, B.maxPayments);
  const offsets = Array.from({ length: count }, () => rng.int(0, B.windowMs)).sort((a, b) => a - b);
  for (const offset of offsets) {
    const paymentId = ctx.nextId('pay');
    const bookingId = ctx.nextId('bkg');
    const [lo, hi] = rng.chance(B.highAmountShare) ? B.highAmount : B.lowAmount;
    const amount = round2(rng.float(lo, hi));
    const method = rng.chance(B.cryptoShare) ? 'crypto' : 'card';
    const ownDevice = rng.chance(B.ownDeviceShare);
    const deviceId = ownDevice ? user.deviceId : `dev-${rng.u32().toString(16).padStart(8, '0')}`;
    const fails = rng.chance(B.failShare);
    const reason = rng.pick(['card declined', 'fraud suspected', 'insufficient funds']);
    ctx.queue.schedule(time + offset, (t) => {
      const base = { payment_id: paymentId, booking_id: bookingId, user_id: user.id };
      // a fresh device carries no flag; the fraudster's own device carries the account's
      ctx.emitter.emit('PaymentInitiated', { ...base, region_id: region.info.id, amount, currency: config.currency, method, device_id: deviceId, known_fraud_flag: ownDevice && user.flagged }, t);
      if (config.fraudLabels) ctx.emitter.label({ ...base, occurred_at: Math.round(t), is_fraud: true, pattern: 'card_testing', source: 'simulator' });
      ctx.queue.schedule(t + rng.int(500, 3000), (t2) => {
        if (fails) ctx.emitter.emit('PaymentFailed', { ...base, reason }, t2);
        else ctx.emitter.emit('PaymentCompleted', { ...base, amount, currency: config.currency }, t2);
      });
    });
  }
}
