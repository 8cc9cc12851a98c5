-- Seed 001's 10-minute gold windows by region x payment method: counts, revenue, average value,
-- fraud rate, distinct users. window_start is epoch ms (UTC).
SELECT {{ var('logical_date') }} AS metric_date,
  CAST(floor(initiated_at / 600000) * 600000 AS BIGINT) AS window_start,
  region_id, method,
  count(*) AS tx_count,
  COALESCE(sum(amount), 0) AS revenue,
  avg(amount) AS avg_value,
  count(*) FILTER (WHERE known_fraud_flag) / count(*) AS fraud_rate,
  count(DISTINCT user_id) AS distinct_users
FROM {{ ref('silver.payments') }}
WHERE payment_date = {{ var('logical_date') }}
GROUP BY 2, region_id, method
