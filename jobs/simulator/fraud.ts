/**
 * Velocity fraud (seed 001): a user fires a burst of more than 5 payments within 30 minutes, mostly
 * at night, often from high-risk regions, often in crypto, some of very high amounts. These are
 * card-testing payments: their booking ids belong to no booking (no booking or saga events).
 */
import type { SimContext } from './context.ts';
import { round2 } from './prng.ts';
import { localHour } from './world.ts';

const MINUTE = 60_000;

/** One simulated second: maybe start a burst. Bursts are 5x likelier in local night hours (23-05). */
export function stepFraud(ctx: SimContext, time: number): void {
  const { rng, world, config } = ctx;
  if (config.fraudBurstsPerHour <= 0) return;
  const region = world.regions[rng.weightedIndex(world.regions.map((r) => r.info.demandWeight * (r.info.highRisk ? 4 : 1)))];
  if (!region) return;
  const hour = localHour(time, region.info);
  const night = hour >= 23 || hour < 5;
  if (!rng.chance((config.fraudBurstsPerHour / 3600) * (night ? 1 : 0.2))) return;
  const user = world.fraudsters.length > 0 ? rng.pick(world.fraudsters) : rng.pick(world.riders);
  ctx.counters.fraudBursts++;
  const count = rng.int(6, 9);
  const offsets = Array.from({ length: count }, () => rng.int(0, 25 * MINUTE)).sort((a, b) => a - b);
  for (const offset of offsets) {
    const paymentId = ctx.nextId('pay');
    const bookingId = ctx.nextId('bkg');
    const amount = round2(rng.chance(0.3) ? rng.float(5_000, 15_000) : rng.float(150, 900));
    const method = rng.chance(0.5) ? 'crypto' : 'card';
    const deviceId = rng.chance(0.5) ? user.deviceId : `dev-${rng.u32().toString(16).padStart(8, '0')}`;
    const fails = rng.chance(0.6);
    const reason = rng.pick(['card declined', 'fraud suspected', 'insufficient funds']);
    ctx.queue.schedule(time + offset, (t) => {
      const base = { payment_id: paymentId, booking_id: bookingId, user_id: user.id };
      ctx.emitter.emit('PaymentInitiated', { ...base, region_id: region.info.id, amount, currency: config.currency, method, device_id: deviceId, known_fraud_flag: user.fraud }, t);
      ctx.queue.schedule(t + rng.int(500, 3000), (t2) => {
        if (fails) ctx.emitter.emit('PaymentFailed', { ...base, reason }, t2);
        else ctx.emitter.emit('PaymentCompleted', { ...base, amount, currency: config.currency }, t2);
      });
    });
  }
}
