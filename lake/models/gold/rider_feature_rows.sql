-- Feature view rider_stats: one row per rider and instant of a completed trip on the logical date,
-- rider_trips_30d as the streaming job computes it (1-hour buckets overlapping the last 30 days).
WITH ev AS (
  SELECT occurred_at, json_extract_string(data, '$.rider_id') AS rider_id
  FROM {{ ref('silver.events') }}
  WHERE event_date BETWEEN {{ var('logical_date') }} - INTERVAL 31 DAY AND {{ var('logical_date') }}
    AND event_type = 'BookingCompleted'
),
instants AS (
  SELECT DISTINCT rider_id, occurred_at AS t FROM ev
  WHERE rider_id IS NOT NULL AND CAST(epoch_ms(occurred_at) AS DATE) = {{ var('logical_date') }}
)
SELECT i.rider_id,
  epoch_ms(i.t) AS event_timestamp,
  epoch_ms(i.t) AS created_timestamp,
  count(*) AS rider_trips_30d,
  {{ var('logical_date') }} AS event_date
FROM instants AS i
JOIN ev AS e ON e.rider_id = i.rider_id AND e.occurred_at <= i.t
  AND e.occurred_at >= CAST(floor((i.t - 2592000000) / 3600000) AS BIGINT) * 3600000
GROUP BY i.rider_id, i.t
