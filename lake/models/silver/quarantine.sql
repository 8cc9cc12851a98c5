-- Records ingested on the logical date that silver refuses, with the rule and the reason (never
-- dropped): domain events failing a validation rule, and what an upstream job dead-lettered.
WITH raw AS (
  SELECT b.topic, CAST(b."partition" AS INTEGER) AS source_partition, CAST(b."offset" AS BIGINT) AS source_offset,
         b.value, b.headers, b.ingest_date,
         CASE WHEN json_valid(b.value) THEN CAST(b.value AS JSON) END AS j
  FROM (
    SELECT topic, "partition", "offset", value, headers, ingest_date FROM {{ source('bronze', 'booking_events') }} WHERE ingest_date = {{ var('logical_date') }}
    UNION ALL SELECT topic, "partition", "offset", value, headers, ingest_date FROM {{ source('bronze', 'driver_events') }} WHERE ingest_date = {{ var('logical_date') }}
    UNION ALL SELECT topic, "partition", "offset", value, headers, ingest_date FROM {{ source('bronze', 'payment_events') }} WHERE ingest_date = {{ var('logical_date') }}
    UNION ALL SELECT topic, "partition", "offset", value, headers, ingest_date FROM {{ source('bronze', 'pricing_events') }} WHERE ingest_date = {{ var('logical_date') }}
    UNION ALL SELECT topic, "partition", "offset", value, headers, ingest_date FROM {{ source('bronze', 'booking_saga') }} WHERE ingest_date = {{ var('logical_date') }}
    UNION ALL SELECT topic, "partition", "offset", value, headers, ingest_date FROM {{ source('bronze', 'dead_letter') }} WHERE ingest_date = {{ var('logical_date') }}
  ) AS b
  -- control records (schema/events/control-records.ts: producer watermark marks) are no events
  WHERE NOT (json_valid(b.headers) AND json_extract_string(b.headers, '$."x-gofuture-control"') IS NOT NULL)
),
parsed AS (
  SELECT *, json_extract_string(j, '$.event_id') AS event_id, json_extract_string(j, '$.event_type') AS event_type,
         TRY_CAST(json_extract_string(j, '$.occurred_at') AS BIGINT) AS occurred_at
  FROM raw
),
checked AS (
  SELECT *,
         CASE WHEN topic = 'dead-letter' THEN 'dead_lettered' ELSE {{ failed_rule('domain_events') }} END AS rule,
         CASE WHEN topic = 'dead-letter'
              THEN COALESCE(json_extract_string(CASE WHEN json_valid(headers) THEN headers END, '$."x-dlq-reason"'), 'dead-lettered upstream')
              ELSE {{ failed_reason('domain_events') }} END AS reason
  FROM parsed
)
SELECT ingest_date, topic, source_partition, source_offset, event_id, event_type, rule, reason, value AS raw_value
FROM checked
WHERE rule IS NOT NULL
