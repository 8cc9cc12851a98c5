/**
 * Strange payment patterns of one user (seed 002: "странные паттерны платежей"), on PaymentInitiated
 * in the user's partition order (payment-events are keyed by user_id):
 * - payment_burst: `burstMin` or more initiations within `burstWindowMs` (one alert per burst: none
 *   again until a window has passed since the last one);
 * - payment_methods: `distinctMin` or more distinct devices, or `methodsMin` distinct methods, within
 *   `distinctWindowMs` (seed 002's "many cards": the events carry method and device, not the card);
 *   one alert per `distinctWindowMs`;
 * - amount_spike: an amount at least `spikeFactor` x the mean of the user's own last payments (at
 *   least `spikeMinHistory` of them) and at least `spikeMinExcess` above it.
 * Pure; the state is JSON for the job's store.
 */
import type { DomainEventOf } from '../../schema/events/domain-events.ts';
import type { Anomaly } from './anomaly.ts';

export interface PaymentPatternConfig {
  readonly burstMin: number;
  readonly burstWindowMs: number;
  readonly distinctMin: number;
  readonly methodsMin: number;
  readonly distinctWindowMs: number;
  readonly spikeFactor: number;
  readonly spikeMinExcess: number;
  readonly spikeMinHistory: number;
  /** Amounts kept per user for the spike baseline. */
  readonly historySize: number;
}

export const DEFAULT_PAYMENT_PATTERNS: PaymentPatternConfig = {
  burstMin: 5, burstWindowMs: 15 * 60_000,
  distinctMin: 4, methodsMin: 3, distinctWindowMs: 24 * 3_600_000,
  spikeFactor: 5, spikeMinExcess: 1000, spikeMinHistory: 5, historySize: 20,
};

export interface PaymentState {
  /** Recent initiations (event time, payment id), within the burst window of the newest. */
  readonly recent: readonly { readonly at: number; readonly paymentId: string }[];
  /** device / method -> last seen (event time), within the distinct window. */
  readonly devices: Readonly<Record<string, number>>;
  readonly methods: Readonly<Record<string, number>>;
  /** The user's last amounts, oldest first. */
  readonly amounts: readonly number[];
  readonly lastBurstAlertAt: number | null;
  readonly lastDistinctAlertAt: number | null;
}

export const emptyPaymentState = (): PaymentState => ({ recent: [], devices: {}, methods: {}, amounts: [], lastBurstAlertAt: null, lastDistinctAlertAt: null });

const within = (m: Readonly<Record<string, number>>, from: number): Record<string, number> =>
  Object.fromEntries(Object.entries(m).filter(([, t]) => t >= from));

const round2 = (x: number): number => Math.round(x * 100) / 100;

export function detectPaymentPatterns(
  s: PaymentState,
  e: DomainEventOf<'PaymentInitiated'>,
  c: PaymentPatternConfig = DEFAULT_PAYMENT_PATTERNS,
): { state: PaymentState; anomalies: Anomaly[] } {
  const at = e.occurred_at;
  const d = e.data;
  const base = { subjectId: d.user_id, at, eventId: e.event_id };
  const out: Anomaly[] = [];
  // bursts
  const recent = [...s.recent.filter((r) => r.at >= at - c.burstWindowMs && r.paymentId !== d.payment_id), { at, paymentId: d.payment_id }].sort((a, b) => a.at - b.at);
  let lastBurstAlertAt = s.lastBurstAlertAt;
  const inWindow = recent.filter((r) => r.at <= at);
  if (inWindow.length >= c.burstMin && (lastBurstAlertAt === null || at - lastBurstAlertAt > c.burstWindowMs)) {
    lastBurstAlertAt = at;
    const first = inWindow[0]?.at ?? at;
    out.push({
      ...base, kind: 'payment_burst', severity: 'error',
      message: `user ${d.user_id}: ${inWindow.length} payments within ${Math.round((at - first) / 60_000)} min`,
      evidence: { userId: d.user_id, count: inWindow.length, windowMinutes: c.burstWindowMs / 60_000, firstAt: first, lastAt: at, paymentIds: inWindow.map((r) => r.paymentId) },
    });
  }
  // many devices / methods
  const from = at - c.distinctWindowMs;
  const devices = within({ ...s.devices, [d.device_id]: Math.max(s.devices[d.device_id] ?? 0, at) }, from);
  const methods = within({ ...s.methods, [d.method]: Math.max(s.methods[d.method] ?? 0, at) }, from);
  let lastDistinctAlertAt = s.lastDistinctAlertAt;
  const nDevices = Object.keys(devices).length;
  const nMethods = Object.keys(methods).length;
  if ((nDevices >= c.distinctMin || nMethods >= c.methodsMin) && (lastDistinctAlertAt === null || at - lastDistinctAlertAt > c.distinctWindowMs)) {
    lastDistinctAlertAt = at;
    out.push({
      ...base, kind: 'payment_methods', severity: 'warn',
      message: `user ${d.user_id}: ${nDevices} devices and ${nMethods} payment methods within ${c.distinctWindowMs / 3_600_000} h`,
      evidence: { userId: d.user_id, devices: Object.keys(devices).sort(), methods: Object.keys(methods).sort(), windowHours: c.distinctWindowMs / 3_600_000, paymentId: d.payment_id },
    });
  }
  // amount spike against the user's own history
  if (s.amounts.length >= c.spikeMinHistory) {
    const mean = s.amounts.reduce((a, b) => a + b, 0) / s.amounts.length;
    if (d.amount >= c.spikeFactor * mean && d.amount - mean >= c.spikeMinExcess) {
      out.push({
        ...base, kind: 'amount_spike', severity: 'warn',
        message: `user ${d.user_id}: payment of ${d.amount} ${d.currency} is ${round2(d.amount / mean)} x their mean of ${round2(mean)}`,
        evidence: { userId: d.user_id, paymentId: d.payment_id, amount: d.amount, currency: d.currency, historyMean: round2(mean), historyCount: s.amounts.length, factor: round2(d.amount / mean), spikeFactor: c.spikeFactor },
      });
    }
  }
  const amounts = [...s.amounts, d.amount].slice(-c.historySize);
  return { state: { recent, devices, methods, amounts, lastBurstAlertAt, lastDistinctAlertAt }, anomalies: out };
}
