-- Revenue per day per payment method.
SELECT {{ var('logical_date') }} AS metric_date, method,
  count(*) AS payments,
  count(*) FILTER (WHERE status IN ('completed', 'refunded')) AS completed_payments,
  COALESCE(sum(amount) FILTER (WHERE status IN ('completed', 'refunded')), 0) AS revenue,
  COALESCE(sum(refunded_amount), 0) AS refunded
FROM {{ ref('silver.payments') }}
WHERE payment_date = {{ var('logical_date') }}
GROUP BY method
