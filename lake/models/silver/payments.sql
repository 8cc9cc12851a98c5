-- One row per payment initiated on the logical date, folded from its events in any order; seed 001's
-- enrichment: amount category, high-value flag, local hour / day of week / weekend, region.
WITH ev AS (
  SELECT *, json_extract_string(data, '$.payment_id') AS payment_id
  FROM {{ ref('silver.events') }}
  WHERE event_date BETWEEN {{ var('logical_date') }} AND {{ var('logical_date') }} + INTERVAL 1 DAY
    AND event_type IN ('PaymentInitiated', 'PaymentCompleted', 'PaymentFailed', 'PaymentRefunded')
),
initiated AS (
  SELECT payment_id FROM ev WHERE event_type = 'PaymentInitiated' AND event_date = {{ var('logical_date') }}
),
folded AS (
  SELECT ev.payment_id,
    arg_min(json_extract_string(data, '$.booking_id'), occurred_at) AS trip_id,
    arg_min(json_extract_string(data, '$.user_id'), occurred_at) AS user_id,
    arg_min(region_id, occurred_at) FILTER (WHERE event_type = 'PaymentInitiated') AS region_id,
    arg_min(region_name, occurred_at) FILTER (WHERE event_type = 'PaymentInitiated') AS region_name,
    arg_min(time_zone, occurred_at) FILTER (WHERE event_type = 'PaymentInitiated') AS time_zone,
    CAST(max(TRY_CAST(json_extract_string(data, '$.amount') AS DOUBLE)) FILTER (WHERE event_type = 'PaymentInitiated') AS DECIMAL(18, 4)) AS amount,
    max(json_extract_string(data, '$.currency')) FILTER (WHERE event_type = 'PaymentInitiated') AS currency,
    max(json_extract_string(data, '$.method')) FILTER (WHERE event_type = 'PaymentInitiated') AS method,
    max(json_extract_string(data, '$.device_id')) FILTER (WHERE event_type = 'PaymentInitiated') AS device_id,
    COALESCE(bool_or(TRY_CAST(json_extract_string(data, '$.known_fraud_flag') AS BOOLEAN)) FILTER (WHERE event_type = 'PaymentInitiated'), false) AS known_fraud_flag,
    arg_max(
      CASE event_type WHEN 'PaymentInitiated' THEN 'initiated' WHEN 'PaymentCompleted' THEN 'completed' WHEN 'PaymentFailed' THEN 'failed' WHEN 'PaymentRefunded' THEN 'refunded' END,
      CASE event_type WHEN 'PaymentInitiated' THEN 1 WHEN 'PaymentRefunded' THEN 3 ELSE 2 END * 1e13 + occurred_at
    ) AS status,
    arg_min(json_extract_string(data, '$.reason'), occurred_at) FILTER (WHERE event_type = 'PaymentFailed') AS failure_reason,
    CAST(COALESCE(sum(TRY_CAST(json_extract_string(data, '$.amount') AS DECIMAL(18, 4))) FILTER (WHERE event_type = 'PaymentRefunded'), 0) AS DECIMAL(18, 4)) AS refunded_amount,
    min(occurred_at) FILTER (WHERE event_type = 'PaymentInitiated') AS initiated_at,
    max(occurred_at) AS updated_at,
    arg_min(local_hour, occurred_at) FILTER (WHERE event_type = 'PaymentInitiated') AS local_hour,
    arg_min(day_of_week, occurred_at) FILTER (WHERE event_type = 'PaymentInitiated') AS day_of_week,
    arg_min(is_weekend, occurred_at) FILTER (WHERE event_type = 'PaymentInitiated') AS is_weekend
  FROM ev JOIN initiated USING (payment_id)
  GROUP BY ev.payment_id
)
SELECT f.*,
  {{ amount_category('amount') }} AS amount_category,
  COALESCE(f.amount > 5000, false) AS is_high_value,
  COALESCE(r.high_risk_region, false) AS high_risk_region,
  {{ var('logical_date') }} AS payment_date
FROM folded AS f
LEFT JOIN {{ regions() }} AS r ON r.region_id = f.region_id
