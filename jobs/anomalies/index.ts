export { startAnomalyJob, ANOMALY_JOB, detectBatch, type AnomalyJobOptions } from './anomaly-job.ts';
export { detectLocationJump, DEFAULT_LOCATION_JUMPS, type LocationState } from './location-jumps.ts';
export { detectPaymentPatterns, DEFAULT_PAYMENT_PATTERNS, emptyPaymentState, type PaymentState } from './payment-patterns.ts';
export { anomalyAlertId, type Anomaly, type AnomalyKind } from './anomaly.ts';
export { haversineKm } from './geo.ts';
