-- Fraud rate per region and day (payments carrying the known-fraud flag of seed 001), high-value share.
SELECT {{ var('logical_date') }} AS metric_date, region_id, any_value(region_name) AS region_name,
  count(*) AS payments,
  count(*) FILTER (WHERE known_fraud_flag) AS fraud_payments,
  count(*) FILTER (WHERE known_fraud_flag) / count(*) AS fraud_rate,
  count(*) FILTER (WHERE is_high_value) AS high_value_payments
FROM {{ ref('silver.payments') }}
WHERE payment_date = {{ var('logical_date') }}
GROUP BY region_id
