-- Feature view region_demand: one row per region and instant of a booking created on the logical
-- date, region_demand_1h as the streaming job computes it (1-minute buckets overlapping the last hour).
WITH ev AS (
  SELECT occurred_at, region_id
  FROM {{ ref('silver.events') }}
  WHERE event_date BETWEEN {{ var('logical_date') }} - INTERVAL 1 DAY AND {{ var('logical_date') }}
    AND event_type = 'BookingCreated'
),
instants AS (
  SELECT DISTINCT region_id, occurred_at AS t FROM ev
  WHERE region_id IS NOT NULL AND CAST(epoch_ms(occurred_at) AS DATE) = {{ var('logical_date') }}
)
SELECT i.region_id,
  epoch_ms(i.t) AS event_timestamp,
  epoch_ms(i.t) AS created_timestamp,
  count(*) AS region_demand_1h,
  {{ var('logical_date') }} AS event_date
FROM instants AS i
JOIN ev AS e ON e.region_id = i.region_id AND e.occurred_at <= i.t
  AND e.occurred_at >= CAST(floor((i.t - 3600000) / 60000) AS BIGINT) * 60000
GROUP BY i.region_id, i.t
