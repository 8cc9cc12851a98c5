/**
 * scoreFraud: the seed 001 rule assessment and the fraud_score model's probability side by side.
 * The rules part is the very function the payments landing scores every PaymentInitiated with
 * (schema/fraud-rules.ts `assessFraud`), on the same inputs (local hour and weekday of the region,
 * high-risk geography, payments in the last 30 minutes this one included), so it always equals
 * `Payment.fraud`. The model part is a probability decided at the threshold on the model card.
 */
import { assessFraud, type FraudAssessment } from '../../schema/fraud-rules.ts';
import { findRegion } from '../../schema/regions.ts';
import type { ModelsContext } from './context.ts';
import { fraudFeatures, localTime, type FraudArgs } from './feature-vectors.ts';
import { predict, versionRef } from './predict.ts';

export const FRAUD_MODEL = 'fraud_score';

/** A card without a stored threshold decides at 0.5. */
const DEFAULT_THRESHOLD = 0.5;

export interface FraudScoreResult {
  readonly paymentId: string | null;
  readonly rules: FraudAssessment;
  readonly probability: number;
  readonly predictedFraud: boolean;
  readonly threshold: number;
  /** Deprecated alias of probability. */
  readonly score: number;
  /** Deprecated alias of rules.riskLevel. */
  readonly riskLevel: FraudAssessment['riskLevel'];
  readonly model: { name: string; version: string };
}

/** The rule assessment of one (already validated) input: the landing's inputs, the landing's function. */
export function ruleAssessment(a: FraudArgs, now: number): FraudAssessment {
  const region = findRegion(a.regionId);
  const { hour, weekday } = region ? localTime(a.at ?? now, region) : { hour: new Date(a.at ?? now).getUTCHours(), weekday: new Date(a.at ?? now).getUTCDay() };
  return assessFraud({
    amount: a.amount,
    method: a.method.toLowerCase(),
    knownFraudFlag: a.knownFraudFlag ?? false,
    highRiskRegion: region ? region.highRisk : true,
    localHour: hour,
    localWeekday: weekday,
    paymentsLast30Min: a.paymentsLast30Min ?? 1,
  });
}

export async function scoreFraudInputs(ctx: ModelsContext, inputs: readonly FraudArgs[], field: (i: number) => string): Promise<FraudScoreResult[]> {
  const now = ctx.now();
  // fraudFeatures validates every input (region, amount, velocity) before anything is scored
  const features = inputs.map((a, i) => fraudFeatures(a, field(i), now));
  const { card, values } = await predict(ctx, FRAUD_MODEL, 'probability', features);
  const threshold = card.metrics.threshold ?? DEFAULT_THRESHOLD;
  return inputs.map((a, i) => {
    const probability = values[i] ?? 0;
    const rules = ruleAssessment(a, now);
    return {
      paymentId: a.paymentId ?? null,
      rules,
      probability,
      predictedFraud: probability >= threshold,
      threshold,
      score: probability,
      riskLevel: rules.riskLevel,
      model: versionRef(card),
    };
  });
}
