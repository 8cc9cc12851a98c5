-- Per driver and day: trips completed, revenue, distance, ratings received.
WITH trips AS (
  SELECT driver_id, count(*) AS trips_completed, sum(fare) AS revenue, sum(distance_km) AS distance_km
  FROM {{ ref('silver.trips') }}
  WHERE trip_date = {{ var('logical_date') }} AND status = 'completed' AND driver_id IS NOT NULL
  GROUP BY driver_id
),
ratings AS (
  SELECT json_extract_string(data, '$.driver_id') AS driver_id, count(*) AS ratings,
         avg(TRY_CAST(json_extract_string(data, '$.rating') AS DOUBLE)) AS avg_rating
  FROM {{ ref('silver.events') }}
  WHERE event_date = {{ var('logical_date') }} AND event_type = 'DriverRated'
  GROUP BY 1
)
SELECT {{ var('logical_date') }} AS metric_date, driver_id,
  COALESCE(t.trips_completed, 0) AS trips_completed, COALESCE(t.revenue, 0) AS revenue, COALESCE(t.distance_km, 0) AS distance_km,
  COALESCE(r.ratings, 0) AS ratings, r.avg_rating
FROM trips AS t FULL OUTER JOIN ratings AS r USING (driver_id)
