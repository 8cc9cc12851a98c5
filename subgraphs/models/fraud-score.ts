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
import { predict, thresholdOf, type ModelRef } from './predict.ts';

export const FRAUD_MODEL = 'fraud_score';

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
  readonly model: ModelRef;
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
  const rows = await predict(ctx, FRAUD_MODEL, 'probability', features, { entityIds: inputs.map((a) => a.paymentId), classifier: true });
  return inputs.map((a, i) => {
    const r = rows[i];
    const probability = r?.value ?? 0;
    const threshold = r ? thresholdOf(r.card) : 0.5;
    const rules = ruleAssessment(a, now);
    return {
      paymentId: a.paymentId ?? null,
      rules,
      probability,
      predictedFraud: probability >= threshold,
      threshold,
      score: probability,
      riskLevel: rules.riskLevel,
      model: r?.model ?? { name: FRAUD_MODEL, version: '', alias: 'champion', variant: 'CHAMPION', shadowVersion: null },
    };
  });
}
