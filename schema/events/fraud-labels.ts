/**
 * Fraud labels: the simulator's ground truth of every payment it makes (seed 001's `is_fraud`),
 * published on the `fraud-labels` topic, keyed by user_id, at the time the payment is initiated.
 * In a real company these would be chargebacks and investigations arriving later; the simulator
 * knows them at once. The landing never reads them (it scores with the rules only); the ML
 * lifecycle (issue 9) joins them to payments by payment_id as training labels.
 */
import { z } from 'zod';

export const FRAUD_LABEL_PATTERNS = ['fraudster_ride', 'card_testing'] as const;

export const FraudLabelSchema = z
  .object({
    /** The PaymentInitiated this labels. */
    payment_id: z.string().min(1),
    booking_id: z.string().min(1),
    user_id: z.string().min(1),
    /** occurred_at of the PaymentInitiated, epoch ms. */
    occurred_at: z.number().int().positive(),
    is_fraud: z.boolean(),
    /** Which fraud pattern (schema/fraud-patterns.ts) produced it; null when honest. */
    pattern: z.enum(FRAUD_LABEL_PATTERNS).nullable(),
    /** Always 'simulator': ground truth, not a detector's opinion. */
    source: z.literal('simulator'),
  })
  .strict();

export type FraudLabel = z.infer<typeof FraudLabelSchema>;

export function parseFraudLabel(value: string): FraudLabel | null {
  try {
    const r = FraudLabelSchema.safeParse(JSON.parse(value));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}
