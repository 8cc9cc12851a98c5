/**
 * Seed 001's rule-based fraud scoring, adapted to ride-hailing payments. Pure data plus a pure
 * function: the payments pipeline scores each payment with it, and the payments subgraph exposes
 * the score and risk level.
 */
export type RiskLevel = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'MINIMAL';

export interface FraudRuleInput {
  readonly amount: number;
  readonly method: string;
  readonly knownFraudFlag: boolean;
  readonly highRiskRegion: boolean;
  /** Local hour of day, 0..23, in the payment's region. */
  readonly localHour: number;
  /** Local day of week, 0 = Sunday. */
  readonly localWeekday: number;
  /** Payments by the same user in the 30 minutes up to and including this one. */
  readonly paymentsLast30Min: number;
}

export interface FraudRule {
  readonly id: string;
  readonly points: number;
  readonly description: string;
  readonly applies: (p: FraudRuleInput) => boolean;
}

export const HIGH_AMOUNT_THRESHOLD = 5000;
export const VELOCITY_THRESHOLD = 5;

export const FRAUD_RULES: readonly FraudRule[] = [
  { id: 'known_fraud', points: 50, description: 'known fraud flag on user or device', applies: (p) => p.knownFraudFlag },
  { id: 'high_amount', points: 30, description: `amount above ${HIGH_AMOUNT_THRESHOLD}`, applies: (p) => p.amount > HIGH_AMOUNT_THRESHOLD },
  { id: 'crypto', points: 20, description: 'crypto payment', applies: (p) => p.method === 'crypto' },
  { id: 'high_risk_region', points: 15, description: 'high-risk geography', applies: (p) => p.highRiskRegion },
  { id: 'late_night', points: 10, description: 'late night (23:00-05:00)', applies: (p) => p.localHour >= 23 || p.localHour < 5 },
  { id: 'weekend', points: 5, description: 'weekend', applies: (p) => p.localWeekday === 0 || p.localWeekday === 6 },
  { id: 'velocity', points: 25, description: `more than ${VELOCITY_THRESHOLD} payments in 30 minutes`, applies: (p) => p.paymentsLast30Min > VELOCITY_THRESHOLD },
];

export const RISK_THRESHOLDS: readonly { readonly level: RiskLevel; readonly min: number }[] = [
  { level: 'CRITICAL', min: 75 },
  { level: 'HIGH', min: 50 },
  { level: 'MEDIUM', min: 25 },
  { level: 'LOW', min: 10 },
  { level: 'MINIMAL', min: 0 },
];

export interface FraudAssessment {
  readonly points: number;
  /** points / 100, capped at 1. */
  readonly score: number;
  readonly riskLevel: RiskLevel;
  readonly reasons: readonly string[];
}

export function riskLevelOf(points: number): RiskLevel {
  for (const t of RISK_THRESHOLDS) if (points >= t.min) return t.level;
  return 'MINIMAL';
}

export function assessFraud(p: FraudRuleInput): FraudAssessment {
  const hits = FRAUD_RULES.filter((r) => r.applies(p));
  const points = hits.reduce((s, r) => s + r.points, 0);
  return { points, score: Math.min(1, points / 100), riskLevel: riskLevelOf(points), reasons: hits.map((r) => r.id) };
}
