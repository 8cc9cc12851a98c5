-- Trips and revenue per region and local hour of the logical date.
SELECT {{ var('logical_date') }} AS metric_date, region_id, any_value(region_name) AS region_name, local_hour AS hour,
  count(*) AS trips,
  count(*) FILTER (WHERE status = 'completed') AS completed_trips,
  count(*) FILTER (WHERE status = 'cancelled') AS cancelled_trips,
  COALESCE(sum(fare) FILTER (WHERE status = 'completed'), 0) AS revenue,
  avg(fare) FILTER (WHERE status = 'completed') AS avg_fare
FROM {{ ref('silver.trips') }}
WHERE trip_date = {{ var('logical_date') }}
GROUP BY region_id, local_hour
