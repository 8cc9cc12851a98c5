/**
 * Declarative validation rules of the silver layer (seed 000: required fields, types, price > 0,
 * rating 1-5; seed 001: nulls, negatives). Each rule is a DuckDB boolean expression over the parsed
 * bronze record (columns `event_id`, `event_type`, `occurred_at`, `value` (raw JSON text) and `j`
 * (the value as JSON)); a record for which `check` is not true goes to `silver.quarantine` with the
 * rule's name and reason, never dropped. Rules apply in order; the first one failing is reported.
 * Data only: the SQL model runner renders them with `{{ failed_rule('domain_events') }}`.
 */
export interface ValidationRule {
  readonly name: string;
  /** Event types it applies to; empty: every record. */
  readonly eventTypes: readonly string[];
  readonly check: string;
  readonly reason: string;
}

const num = (path: string): string => `TRY_CAST(json_extract_string(j, '${path}') AS DOUBLE)`;

export const VALIDATION_RULES: Readonly<Record<string, readonly ValidationRule[]>> = {
  domain_events: [
    { name: 'json_valid', eventTypes: [], check: 'json_valid(value)', reason: 'value is not JSON' },
    { name: 'required_event_id', eventTypes: [], check: "event_id IS NOT NULL AND event_id <> ''", reason: 'event_id is missing' },
    { name: 'required_event_type', eventTypes: [], check: 'event_type IS NOT NULL', reason: 'event_type is missing' },
    { name: 'type_occurred_at', eventTypes: [], check: 'occurred_at IS NOT NULL AND occurred_at > 0', reason: 'occurred_at is missing or not a positive integer (epoch ms)' },
    { name: 'required_region', eventTypes: ['BookingCreated', 'BookingCompleted', 'PaymentInitiated', 'PriceCalculated', 'DriverStatusChanged'], check: "json_extract_string(j, '$.data.region_id') IS NOT NULL", reason: 'data.region_id is missing' },
    { name: 'required_booking_id', eventTypes: ['BookingCreated', 'BookingAccepted', 'BookingStarted', 'BookingCompleted', 'BookingCancelled', 'PaymentInitiated'], check: "json_extract_string(j, '$.data.booking_id') IS NOT NULL", reason: 'data.booking_id is missing' },
    { name: 'price_positive', eventTypes: ['PriceCalculated'], check: `${num('$.data.final_price')} > 0`, reason: 'final_price must be > 0' },
    { name: 'fare_positive', eventTypes: ['BookingCompleted'], check: `${num('$.data.fare')} > 0`, reason: 'fare must be > 0' },
    { name: 'amount_not_null', eventTypes: ['PaymentInitiated', 'PaymentCompleted', 'PaymentRefunded'], check: `${num('$.data.amount')} IS NOT NULL`, reason: 'amount is null or not a number' },
    { name: 'amount_non_negative', eventTypes: ['PaymentInitiated', 'PaymentCompleted', 'PaymentRefunded'], check: `${num('$.data.amount')} >= 0`, reason: 'amount is negative' },
    { name: 'rating_range', eventTypes: ['DriverRated'], check: `${num('$.data.rating')} BETWEEN 1 AND 5`, reason: 'rating must be between 1 and 5' },
  ],
};

/** Seed 001's amount categories and high-value threshold (schema/fraud-rules.ts HIGH_AMOUNT_THRESHOLD). */
export const AMOUNT_CATEGORIES: readonly { readonly below: number; readonly name: string }[] = [
  { below: 300, name: 'small' },
  { below: 1000, name: 'medium' },
  { below: 5000, name: 'large' },
  { below: Number.POSITIVE_INFINITY, name: 'very_large' },
];
