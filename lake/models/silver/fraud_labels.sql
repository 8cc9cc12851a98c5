-- The simulator's ground-truth fraud labels (seed 001 `is_fraud`, topic fraud-labels) of payments
-- initiated on the logical date, one row per payment (the first copy by bronze position wins).
-- The label source of the fraud training set (jobs/training/datasets/platform-fraud.ts).
WITH raw AS (
  SELECT CAST(b."partition" AS INTEGER) AS source_partition, CAST(b."offset" AS BIGINT) AS source_offset, b.ingest_date,
         CASE WHEN json_valid(b.value) THEN CAST(b.value AS JSON) END AS j
  FROM {{ source('bronze', 'fraud_labels') }} AS b
  WHERE b.ingest_date BETWEEN {{ var('logical_date') }} - INTERVAL 1 DAY AND {{ var('logical_date') }} + INTERVAL 1 DAY
),
parsed AS (
  SELECT json_extract_string(j, '$.payment_id') AS payment_id,
         json_extract_string(j, '$.booking_id') AS booking_id,
         json_extract_string(j, '$.user_id') AS user_id,
         TRY_CAST(json_extract_string(j, '$.occurred_at') AS BIGINT) AS occurred_at,
         TRY_CAST(json_extract_string(j, '$.is_fraud') AS BOOLEAN) AS is_fraud,
         json_extract_string(j, '$.pattern') AS pattern,
         ingest_date, source_partition, source_offset
  FROM raw
)
SELECT payment_id, booking_id, user_id, occurred_at, is_fraud, pattern,
       {{ var('logical_date') }} AS label_date
FROM parsed
WHERE payment_id IS NOT NULL AND user_id IS NOT NULL AND occurred_at IS NOT NULL AND is_fraud IS NOT NULL
  AND CAST(epoch_ms(occurred_at) AS DATE) = {{ var('logical_date') }}
QUALIFY row_number() OVER (PARTITION BY payment_id ORDER BY ingest_date, source_partition, source_offset) = 1
