-- Feature view driver_stats (schema/features/feature-views.ts): one row per driver and instant of a
-- driver event (a completed trip or a rating) on the logical date, with the values as of that
-- instant, computed exactly as the streaming job does (jobs/features/feature-state.ts): the distinct
-- events of the driver at or before it, in 15-minute buckets overlapping the last 7 days.
WITH ev AS (
  SELECT event_type, occurred_at, json_extract_string(data, '$.driver_id') AS driver_id,
         TRY_CAST(json_extract_string(data, '$.rating') AS DOUBLE) AS rating
  FROM {{ ref('silver.events') }}
  WHERE event_date BETWEEN {{ var('logical_date') }} - INTERVAL 8 DAY AND {{ var('logical_date') }}
    AND event_type IN ('BookingCompleted', 'DriverRated')
),
instants AS (
  SELECT DISTINCT driver_id, occurred_at AS t FROM ev
  WHERE driver_id IS NOT NULL AND CAST(epoch_ms(occurred_at) AS DATE) = {{ var('logical_date') }}
)
SELECT i.driver_id,
  epoch_ms(i.t) AS event_timestamp,
  epoch_ms(i.t) AS created_timestamp,
  round(avg(e.rating) FILTER (WHERE e.event_type = 'DriverRated'), 4) AS driver_avg_rating_7d,
  count(*) FILTER (WHERE e.event_type = 'BookingCompleted') AS driver_trips_7d,
  {{ var('logical_date') }} AS event_date
FROM instants AS i
JOIN ev AS e ON e.driver_id = i.driver_id AND e.occurred_at <= i.t
  AND e.occurred_at >= CAST(floor((i.t - 604800000) / 900000) AS BIGINT) * 900000
GROUP BY i.driver_id, i.t
