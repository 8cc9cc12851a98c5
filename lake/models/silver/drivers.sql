-- One row per driver, from every driver event so far (a whole-table rebuild): the latest name,
-- region and status by event time (any arrival order gives the same row), and rating totals.
WITH ev AS (
  SELECT *, json_extract_string(data, '$.driver_id') AS driver_id
  FROM {{ ref('silver.events') }}
  WHERE event_date <= {{ var('logical_date') }}
    AND event_type IN ('DriverStatusChanged', 'DriverLocationUpdated', 'DriverRated')
)
SELECT driver_id,
  arg_max(json_extract_string(data, '$.name'), occurred_at) FILTER (WHERE event_type = 'DriverStatusChanged') AS name,
  arg_max(region_id, occurred_at) FILTER (WHERE event_type IN ('DriverStatusChanged', 'DriverLocationUpdated')) AS region_id,
  arg_max(region_name, occurred_at) FILTER (WHERE event_type IN ('DriverStatusChanged', 'DriverLocationUpdated')) AS region_name,
  arg_max(json_extract_string(data, '$.status'), occurred_at) FILTER (WHERE event_type = 'DriverStatusChanged') AS status,
  count(*) FILTER (WHERE event_type = 'DriverRated') AS ratings,
  avg(TRY_CAST(json_extract_string(data, '$.rating') AS DOUBLE)) FILTER (WHERE event_type = 'DriverRated') AS avg_rating,
  max(occurred_at) AS last_seen_at
FROM ev
WHERE driver_id IS NOT NULL
GROUP BY driver_id
