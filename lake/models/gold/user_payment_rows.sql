-- Feature view user_payments (seed 001's fraud signals): one row per user and instant of a payment
-- initiated on the logical date: the user's payments in the last 30 minutes and hour (this one
-- included), amount statistics over the hour (amounts are DECIMAL in silver: exact sums), and the latest payment's method and local time.
WITH pay AS (
  SELECT payment_id, user_id, initiated_at, amount, method, local_hour, is_weekend,
         known_fraud_flag, high_risk_region, payment_date
  FROM {{ ref('silver.payments') }}
  WHERE payment_date BETWEEN {{ var('logical_date') }} - INTERVAL 1 DAY AND {{ var('logical_date') }}
    AND user_id IS NOT NULL AND initiated_at IS NOT NULL
),
latest AS (
  SELECT user_id, initiated_at AS t,
    arg_max(amount, payment_id) AS amount, arg_max(method, payment_id) AS method,
    arg_max(local_hour, payment_id) AS local_hour, arg_max(is_weekend, payment_id) AS is_weekend,
    arg_max(known_fraud_flag, payment_id) AS known_fraud_flag, arg_max(high_risk_region, payment_id) AS high_risk_region
  FROM pay
  WHERE payment_date = {{ var('logical_date') }}
  GROUP BY user_id, initiated_at
)
SELECT l.user_id,
  epoch_ms(l.t) AS event_timestamp,
  epoch_ms(l.t) AS created_timestamp,
  count(*) FILTER (WHERE p.initiated_at > l.t - 1800000) AS user_payments_30m,
  count(*) AS user_payments_1h,
  CAST(any_value(l.amount) AS DOUBLE) AS amount,
  CAST(sum(p.amount) AS DOUBLE) / count(*) AS user_amount_avg_1h,
  CAST(max(p.amount) AS DOUBLE) AS user_amount_max_1h,
  -- from exact DECIMAL sums, so a rerun gives the same bits whatever the summation order
  sqrt(greatest(CAST(sum(p.amount * p.amount) AS DOUBLE) / count(*) - (CAST(sum(p.amount) AS DOUBLE) / count(*)) ** 2, 0)) AS user_amount_std_1h,
  any_value(l.method) AS method,
  CAST(any_value(l.local_hour) AS BIGINT) AS local_hour,
  CAST(CASE WHEN any_value(l.is_weekend) THEN 1 ELSE 0 END AS BIGINT) AS is_weekend,
  CAST(CASE WHEN any_value(l.known_fraud_flag) THEN 1 ELSE 0 END AS BIGINT) AS known_fraud_flag,
  CAST(CASE WHEN any_value(l.high_risk_region) THEN 1 ELSE 0 END AS BIGINT) AS high_risk_region,
  {{ var('logical_date') }} AS event_date
FROM latest AS l
JOIN pay AS p ON p.user_id = l.user_id AND p.initiated_at <= l.t AND p.initiated_at > l.t - 3600000
GROUP BY l.user_id, l.t
