-- Domain events of the logical date: typed, validated (schema/lake/silver-rules.ts), deduplicated by
-- event_id (the first copy by bronze position wins) and enriched with local time and region.
-- Reads bronze ingested from the day before to the day after, so late and early copies are seen.
WITH raw AS (
  SELECT b.topic, CAST(b."partition" AS INTEGER) AS source_partition, CAST(b."offset" AS BIGINT) AS source_offset,
         b.value, b.ingest_date,
         CASE WHEN json_valid(b.value) THEN CAST(b.value AS JSON) END AS j
  FROM (
    SELECT topic, "partition", "offset", value, headers, ingest_date FROM {{ source('bronze', 'booking_events') }} WHERE ingest_date BETWEEN {{ var('logical_date') }} - INTERVAL 1 DAY AND {{ var('logical_date') }} + INTERVAL 1 DAY
    UNION ALL SELECT topic, "partition", "offset", value, headers, ingest_date FROM {{ source('bronze', 'driver_events') }} WHERE ingest_date BETWEEN {{ var('logical_date') }} - INTERVAL 1 DAY AND {{ var('logical_date') }} + INTERVAL 1 DAY
    UNION ALL SELECT topic, "partition", "offset", value, headers, ingest_date FROM {{ source('bronze', 'payment_events') }} WHERE ingest_date BETWEEN {{ var('logical_date') }} - INTERVAL 1 DAY AND {{ var('logical_date') }} + INTERVAL 1 DAY
    UNION ALL SELECT topic, "partition", "offset", value, headers, ingest_date FROM {{ source('bronze', 'pricing_events') }} WHERE ingest_date BETWEEN {{ var('logical_date') }} - INTERVAL 1 DAY AND {{ var('logical_date') }} + INTERVAL 1 DAY
    UNION ALL SELECT topic, "partition", "offset", value, headers, ingest_date FROM {{ source('bronze', 'booking_saga') }} WHERE ingest_date BETWEEN {{ var('logical_date') }} - INTERVAL 1 DAY AND {{ var('logical_date') }} + INTERVAL 1 DAY
  ) AS b
  -- control records (schema/events/control-records.ts: producer watermark marks) are no events
  WHERE NOT (json_valid(b.headers) AND json_extract_string(b.headers, '$."x-gofuture-control"') IS NOT NULL)
),
parsed AS (
  SELECT *, json_extract_string(j, '$.event_id') AS event_id, json_extract_string(j, '$.event_type') AS event_type,
         TRY_CAST(json_extract_string(j, '$.occurred_at') AS BIGINT) AS occurred_at
  FROM raw
),
valid AS (
  SELECT * FROM parsed
  WHERE {{ failed_rule('domain_events') }} IS NULL
    AND CAST(epoch_ms(occurred_at) AS DATE) = {{ var('logical_date') }}
),
dedup AS (
  SELECT * FROM valid
  QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY ingest_date, topic, source_partition, source_offset) = 1
),
located AS (
  SELECT d.*, COALESCE(json_extract_string(d.j, '$.data.region_id'), '') AS region_key
  FROM dedup AS d
)
SELECT l.event_id, l.event_type, l.topic, l.source_partition, l.source_offset, l.occurred_at,
       epoch_ms(l.occurred_at) AS occurred_ts,
       CAST(epoch_ms(l.occurred_at) AS DATE) AS event_date,
       NULLIF(l.region_key, '') AS region_id,
       r.region_name, r.time_zone,
       CAST(hour(epoch_ms(l.occurred_at) + to_hours(CAST(COALESCE(r.utc_offset_hours, 0) AS BIGINT))) AS INTEGER) AS local_hour,
       CAST(dayofweek(epoch_ms(l.occurred_at) + to_hours(CAST(COALESCE(r.utc_offset_hours, 0) AS BIGINT))) AS INTEGER) AS day_of_week,
       dayofweek(epoch_ms(l.occurred_at) + to_hours(CAST(COALESCE(r.utc_offset_hours, 0) AS BIGINT))) IN (0, 6) AS is_weekend,
       CAST(json_extract(l.j, '$.data') AS VARCHAR) AS data
FROM located AS l
LEFT JOIN {{ regions() }} AS r ON r.region_id = l.region_key
