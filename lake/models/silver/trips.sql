-- One row per trip requested on the logical date, folded from its events whatever order they came in:
-- each field comes from the event that sets it, the status is the furthest one reached. Money and
-- distances are DECIMAL so the gold sums are exact (the same content on every rerun).
WITH ev AS (
  SELECT *, json_extract_string(data, '$.booking_id') AS trip_id
  FROM {{ ref('silver.events') }}
  WHERE event_date BETWEEN {{ var('logical_date') }} AND {{ var('logical_date') }} + INTERVAL 1 DAY
    AND event_type IN ('BookingCreated', 'BookingAccepted', 'BookingStarted', 'BookingCompleted', 'BookingCancelled', 'PriceCalculated')
),
created AS (
  SELECT trip_id FROM ev WHERE event_type = 'BookingCreated' AND event_date = {{ var('logical_date') }}
),
folded AS (
  SELECT ev.trip_id,
    arg_min(region_id, occurred_at) FILTER (WHERE event_type = 'BookingCreated') AS region_id,
    arg_min(region_name, occurred_at) FILTER (WHERE event_type = 'BookingCreated') AS region_name,
    arg_min(time_zone, occurred_at) FILTER (WHERE event_type = 'BookingCreated') AS time_zone,
    arg_min(json_extract_string(data, '$.rider_id'), occurred_at) FILTER (WHERE event_type = 'BookingCreated') AS rider_id,
    arg_max(json_extract_string(data, '$.driver_id'), occurred_at) FILTER (WHERE event_type IN ('BookingAccepted', 'BookingStarted', 'BookingCompleted')) AS driver_id,
    arg_max(
      CASE event_type WHEN 'BookingCreated' THEN 'requested' WHEN 'BookingAccepted' THEN 'accepted' WHEN 'BookingStarted' THEN 'started'
                      WHEN 'BookingCompleted' THEN 'completed' WHEN 'BookingCancelled' THEN 'cancelled' END,
      CASE event_type WHEN 'BookingCreated' THEN 1 WHEN 'BookingAccepted' THEN 2 WHEN 'BookingStarted' THEN 3 ELSE 4 END * 1e13 + occurred_at
    ) FILTER (WHERE event_type <> 'PriceCalculated') AS status,
    CAST(max(TRY_CAST(json_extract_string(data, '$.fare') AS DOUBLE)) FILTER (WHERE event_type = 'BookingCompleted') AS DECIMAL(18, 4)) AS fare,
    max(json_extract_string(data, '$.currency')) FILTER (WHERE event_type = 'BookingCompleted') AS currency,
    CAST(max(TRY_CAST(json_extract_string(data, '$.distance_km') AS DOUBLE)) FILTER (WHERE event_type = 'BookingCompleted') AS DECIMAL(18, 4)) AS distance_km,
    max(TRY_CAST(json_extract_string(data, '$.estimated_distance_km') AS DOUBLE)) FILTER (WHERE event_type = 'BookingCreated') AS estimated_distance_km,
    max(TRY_CAST(json_extract_string(data, '$.duration_s') AS DOUBLE)) FILTER (WHERE event_type = 'BookingCompleted') AS duration_s,
    arg_max(TRY_CAST(json_extract_string(data, '$.surge_multiplier') AS DOUBLE), occurred_at) FILTER (WHERE event_type = 'PriceCalculated') AS surge_multiplier,
    max(json_extract_string(data, '$.weather')) FILTER (WHERE event_type = 'BookingCreated') AS weather,
    min(occurred_at) FILTER (WHERE event_type = 'BookingCreated') AS requested_at,
    min(occurred_at) FILTER (WHERE event_type = 'BookingAccepted') AS accepted_at,
    min(occurred_at) FILTER (WHERE event_type = 'BookingStarted') AS started_at,
    min(occurred_at) FILTER (WHERE event_type = 'BookingCompleted') AS completed_at,
    min(occurred_at) FILTER (WHERE event_type = 'BookingCancelled') AS cancelled_at,
    arg_min(json_extract_string(data, '$.cancelled_by'), occurred_at) FILTER (WHERE event_type = 'BookingCancelled') AS cancelled_by,
    arg_min(local_hour, occurred_at) FILTER (WHERE event_type = 'BookingCreated') AS local_hour,
    arg_min(day_of_week, occurred_at) FILTER (WHERE event_type = 'BookingCreated') AS day_of_week,
    arg_min(is_weekend, occurred_at) FILTER (WHERE event_type = 'BookingCreated') AS is_weekend
  FROM ev JOIN created USING (trip_id)
  GROUP BY ev.trip_id
)
SELECT *,
  CAST(hour(epoch_ms(requested_at)) AS INTEGER) AS requested_hour_utc,
  {{ amount_category('fare') }} AS amount_category,
  COALESCE(fare > 5000, false) AS is_high_value,
  {{ var('logical_date') }} AS trip_date
FROM folded
