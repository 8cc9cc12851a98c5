/**
 * The recount of payments, revenuePerDay and fraudSummary from the raw events, from the definitions
 * in schema/subgraphs/payments.graphql and seed 001:
 * - a payment is one payment_id with a PaymentInitiated (arrival order does not matter: a
 *   PaymentCompleted that reached the log first still completes it); status: refunded > completed >
 *   failed > initiated; refundedAmount is the largest refund;
 * - revenuePerDay by the UTC day of initiatedAt (and region): payments, completed, failed,
 *   refunded; revenue = amount - refundedAmount over completed and refunded payments;
 * - the fraud level is seed 001's rules (schema/fraud-rules.ts, used here as data: each rule's
 *   predicate and points, and the thresholds) over inputs computed here: local hour and weekday of
 *   the region, the region's high-risk flag, and velocity = the user's payments initiated in the 30
 *   minutes up to and including this one (each payment_id once, whatever the arrival order).
 */
import { FRAUD_RULES, RISK_THRESHOLDS, type FraudRuleInput, type RiskLevel } from '../../../schema/fraud-rules.ts';
import { findRegion } from '../../../schema/regions.ts';
import type { LoggedEvent } from './raw-log.ts';

export type PaymentStatus = 'INITIATED' | 'COMPLETED' | 'FAILED' | 'REFUNDED';

export interface PaymentTruth {
  readonly id: string;
  readonly userId: string;
  readonly regionId: string;
  readonly amount: number;
  readonly status: PaymentStatus;
  readonly refundedAmount: number;
  readonly initiatedAt: number;
  readonly riskLevel: RiskLevel;
  readonly points: number;
  readonly reasons: readonly string[];
}

interface Facts {
  initiated: { at: number; userId: string; regionId: string; amount: number; method: string; knownFraud: boolean } | null;
  completed: boolean;
  failed: boolean;
  refund: number | null;
}

const VELOCITY_MS = 30 * 60_000;

function localTime(at: number, regionId: string): { hour: number; weekday: number } {
  const d = new Date(at + (findRegion(regionId)?.timezoneOffsetHours ?? 0) * 3_600_000);
  return { hour: d.getUTCHours(), weekday: d.getUTCDay() };
}

function level(points: number): RiskLevel {
  for (const t of RISK_THRESHOLDS) if (points >= t.min) return t.level;
  return 'MINIMAL';
}

export function recountPayments(events: readonly LoggedEvent[]): Map<string, PaymentTruth> {
  const facts = new Map<string, Facts>();
  const get = (id: string): Facts => {
    let f = facts.get(id);
    if (!f) facts.set(id, (f = { initiated: null, completed: false, failed: false, refund: null }));
    return f;
  };
  for (const { event: e } of events) {
    switch (e.event_type) {
      case 'PaymentInitiated': {
        const f = get(e.data.payment_id);
        if (!f.initiated || e.occurred_at >= f.initiated.at) {
          f.initiated = { at: e.occurred_at, userId: e.data.user_id, regionId: e.data.region_id, amount: e.data.amount, method: e.data.method, knownFraud: e.data.known_fraud_flag };
        }
        break;
      }
      case 'PaymentCompleted':
        get(e.data.payment_id).completed = true;
        break;
      case 'PaymentFailed':
        get(e.data.payment_id).failed = true;
        break;
      case 'PaymentRefunded': {
        const f = get(e.data.payment_id);
        f.refund = Math.max(f.refund ?? 0, e.data.amount);
        break;
      }
      default:
        break;
    }
  }
  const byUser = new Map<string, number[]>();
  for (const f of facts.values()) {
    if (!f.initiated) continue;
    const list = byUser.get(f.initiated.userId) ?? [];
    list.push(f.initiated.at);
    byUser.set(f.initiated.userId, list);
  }
  const out = new Map<string, PaymentTruth>();
  for (const [id, f] of facts) {
    const i = f.initiated;
    if (!i) continue;
    const { hour, weekday } = localTime(i.at, i.regionId);
    const input: FraudRuleInput = {
      amount: i.amount,
      method: i.method,
      knownFraudFlag: i.knownFraud,
      highRiskRegion: findRegion(i.regionId)?.highRisk ?? true,
      localHour: hour,
      localWeekday: weekday,
      paymentsLast30Min: (byUser.get(i.userId) ?? []).filter((t) => t >= i.at - VELOCITY_MS && t <= i.at).length,
    };
    const hits = FRAUD_RULES.filter((r) => r.applies(input));
    const points = hits.reduce((s, r) => s + r.points, 0);
    const status: PaymentStatus = f.refund !== null ? 'REFUNDED' : f.completed ? 'COMPLETED' : f.failed ? 'FAILED' : 'INITIATED';
    out.set(id, {
      id, userId: i.userId, regionId: i.regionId, amount: i.amount, status, refundedAmount: f.refund ?? 0,
      initiatedAt: i.at, riskLevel: level(points), points, reasons: hits.map((r) => r.id),
    });
  }
  return out;
}

export interface RevenueDayTruth {
  readonly date: string;
  readonly regionId: string | null;
  readonly revenue: number;
  readonly payments: number;
  readonly completed: number;
  readonly failed: number;
  readonly refunded: number;
}

/** revenuePerDay keyed `date|regionId` (regionId '*' when not by region). */
export function recountRevenuePerDay(payments: ReadonlyMap<string, PaymentTruth>, byRegion: boolean): Map<string, RevenueDayTruth> {
  const out = new Map<string, { date: string; regionId: string | null; revenue: number; payments: number; completed: number; failed: number; refunded: number }>();
  for (const p of payments.values()) {
    const date = new Date(p.initiatedAt).toISOString().slice(0, 10);
    const regionId = byRegion ? p.regionId : null;
    const k = `${date}|${regionId ?? '*'}`;
    let a = out.get(k);
    if (!a) out.set(k, (a = { date, regionId, revenue: 0, payments: 0, completed: 0, failed: 0, refunded: 0 }));
    a.payments++;
    if (p.status === 'COMPLETED') a.completed++;
    if (p.status === 'FAILED') a.failed++;
    if (p.status === 'REFUNDED') a.refunded++;
    if (p.status === 'COMPLETED' || p.status === 'REFUNDED') a.revenue += p.amount - p.refundedAmount;
  }
  return out;
}

export interface RiskLevelTruth {
  readonly riskLevel: RiskLevel;
  readonly payments: number;
  readonly amount: number;
}

export function recountFraudSummary(payments: ReadonlyMap<string, PaymentTruth>): Map<string, RiskLevelTruth> {
  const out = new Map<string, { riskLevel: RiskLevel; payments: number; amount: number }>();
  for (const t of RISK_THRESHOLDS) out.set(t.level, { riskLevel: t.level, payments: 0, amount: 0 });
  for (const p of payments.values()) {
    const a = out.get(p.riskLevel);
    if (!a) continue;
    a.payments++;
    a.amount += p.amount;
  }
  return out;
}
