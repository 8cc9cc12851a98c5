-- Seed 001's hourly platform summary (UTC hours): volume, revenue, payment-method mix, fraud and
-- high-value rates, distinct users.
SELECT {{ var('logical_date') }} AS metric_date, CAST(hour(epoch_ms(initiated_at)) AS INTEGER) AS hour,
  count(*) AS payments,
  COALESCE(sum(amount), 0) AS revenue,
  avg(amount) AS avg_value,
  count(*) FILTER (WHERE method = 'card') AS card_payments,
  count(*) FILTER (WHERE method = 'cash') AS cash_payments,
  count(*) FILTER (WHERE method = 'wallet') AS wallet_payments,
  count(*) FILTER (WHERE method = 'crypto') AS crypto_payments,
  count(*) FILTER (WHERE known_fraud_flag) / count(*) AS fraud_rate,
  count(*) FILTER (WHERE is_high_value) / count(*) AS high_value_rate,
  count(DISTINCT user_id) AS distinct_users
FROM {{ ref('silver.payments') }}
WHERE payment_date = {{ var('logical_date') }}
GROUP BY 2
