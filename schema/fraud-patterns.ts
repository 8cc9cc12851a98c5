/**
 * The fraud the simulated city contains, as data: the simulator (jobs/simulator) acts it out and
 * labels every payment with its ground truth (seed 001's `is_fraud`), and the fraud training set
 * (jobs/training/datasets/fraud.ts) is drawn from the same process. The seed 001 rules
 * (schema/fraud-rules.ts) are a detector of it, not its definition.
 *
 * Two kinds of fraudulent payment:
 * - rides paid by a fraudster account (stolen card or laundered crypto): every payment of such a
 *   rider is fraud; fraudsters ride more at night;
 * - card-testing bursts: one fraudster fires 6-9 payments within 25 minutes for bookings that do not
 *   exist, mostly at night, 4x likelier in high-risk regions, some of very high amounts.
 * The known-fraud flag on a user or device marks most fraudster accounts and a few honest ones.
 */
export const FRAUD_PATTERNS = {
  /** Share of fraudster accounts whose user or device carries the known-fraud flag. */
  flaggedFraudsterShare: 0.85,
  /** Share of honest riders wrongly flagged (a past dispute, a shared device). */
  flaggedHonestShare: 0.002,
  /** Payment methods of fraudster and honest riders (weights). */
  fraudsterMethods: [['crypto', 0.5], ['card', 0.4], ['wallet', 0.1]] as const,
  honestMethods: [['card', 0.6], ['wallet', 0.2], ['cash', 0.175], ['crypto', 0.025]] as const,
  /** At local night (23-05) this share of bookings comes from a fraudster (by day they ride as often as anyone). */
  nightFraudsterBookingShare: 0.05,
  /** Payment failure probability of a fraudster's ride payment (declined stolen cards). */
  fraudsterFailShare: 0.25,
  burst: {
    minPayments: 6,
    maxPayments: 9,
    windowMs: 25 * 60_000,
    /** Burst rate at night relative to the configured rate; by day it is `dayFactor` of it. */
    dayFactor: 0.2,
    /** Region weight multiplier of high-risk regions. */
    highRiskRegionWeight: 4,
    highAmountShare: 0.3,
    highAmount: [5_000, 15_000] as const,
    lowAmount: [150, 900] as const,
    cryptoShare: 0.5,
    /** Share of burst payments the payment provider declines. */
    failShare: 0.6,
    /** Share of burst payments made from the fraudster's own (maybe flagged) device. */
    ownDeviceShare: 0.5,
  },
} as const;
