/**
 * The Prometheus metrics that alerting rules (operations/prometheus/rules/*.yml) and dashboards rely
 * on: one place for their names, help text and labels. Code that exports one of them registers it
 * from here (`connectors/support/metrics.ts` `counterOf` / `gaugeOf` / `histogramOf`), so the rules,
 * docs/operations.md and the code cannot drift apart; `test/unit/alert-rules.test.ts` checks that
 * every `gofuture_*` name a rule uses is listed here. Data only.
 *
 * Some are exported by code other engineers are still writing (drift, saga): the names are fixed
 * here first so their code and the rules meet. `exportedBy` says where each one comes from.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricSpec<L extends string = string> {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  readonly labels: readonly L[];
  /** Where it is exported (folder or file), for the docs. */
  readonly exportedBy: string;
  /** Histogram buckets (seconds), when the default ones do not fit. */
  readonly buckets?: readonly number[];
}

function spec<const L extends string>(s: MetricSpec<L>): MetricSpec<L> {
  return s;
}

export const METRICS = {
  // ------------------------------------------------------------------ event log
  consumerLag: spec({
    name: 'gofuture_eventlog_consumer_lag', type: 'gauge', labels: ['topic', 'group'],
    help: 'Records a consumer group still has to process', exportedBy: 'connectors/{embedded,kafka} EventLog',
  }),
  partitionLag: spec({
    name: 'gofuture_eventlog_partition_lag', type: 'gauge', labels: ['topic', 'group', 'partition'],
    help: 'Records a consumer group still has to process on one partition (end offset - committed offset)', exportedBy: 'connectors/{embedded,kafka} EventLog',
  }),
  // ------------------------------------------------------------------ stream jobs
  jobEventsIn: spec({
    name: 'gofuture_job_events_processed_total', type: 'counter', labels: ['job'],
    help: 'Events a job processed', exportedBy: 'jobs/support/event-consumer.ts (events in)',
  }),
  jobEventsOut: spec({
    name: 'gofuture_job_events_out_total', type: 'counter', labels: ['job'],
    help: 'Events a job handled and passed on (processed and not dead-lettered)', exportedBy: 'jobs/support/event-consumer.ts (events out)',
  }),
  deadLetters: spec({
    name: 'gofuture_job_events_dead_lettered_total', type: 'counter', labels: ['job', 'code'],
    help: 'Events a job sent to the dead-letter topic', exportedBy: 'jobs (code = the reason code: EVENT_INVALID, EVENT_LATE, ...)',
  }),
  jobStatus: spec({
    name: 'gofuture_job_status', type: 'gauge', labels: ['job', 'state'],
    help: 'The job-status state a job reports (1 for its current state: running, stopped, failed; 0 for the others)', exportedBy: 'jobs/support/job-status.ts',
  }),
  jobHeartbeat: spec({
    name: 'gofuture_job_heartbeat_timestamp_seconds', type: 'gauge', labels: ['job'],
    help: 'Time of the last job-status heartbeat written for a job (epoch seconds)', exportedBy: 'jobs/support/job-status.ts',
  }),
  jobConsumerGroup: spec({
    name: 'gofuture_job_consumer_group', type: 'gauge', labels: ['job', 'group'],
    help: 'Constant 1: which consumer group a stream job consumes in (joins jobs to the lag of their group)', exportedBy: 'jobs/support/event-consumer.ts',
  }),
  watermark: spec({
    name: 'gofuture_aggregation_watermark_seconds', type: 'gauge', labels: [],
    help: 'Event-time watermark of the aggregation job, epoch seconds', exportedBy: 'jobs/aggregation',
  }),
  watermarkDelay: spec({
    name: 'gofuture_window_watermark_delay_seconds', type: 'gauge', labels: ['job'],
    help: 'Wall-clock time minus the event-time watermark of a windowing job (how far behind windows close), seconds', exportedBy: 'jobs/windows/window-runner.ts (jobs aggregation, windows)',
  }),
  // ------------------------------------------------------------------ pipeline (orchestrator)
  pipelineAlerts: spec({
    name: 'gofuture_pipeline_alerts_total', type: 'counter', labels: ['severity', 'kind'],
    help: 'Pipeline alerts raised, by severity and kind (quality, task, deadline)', exportedBy: 'jobs/orchestrator/alerts.ts',
  }),
  // ------------------------------------------------------------------ booking saga (issue 10 §3)
  sagasStarted: spec({
    name: 'gofuture_saga_started_total', type: 'counter', labels: ['saga'],
    help: 'Sagas started (SagaStarted seen)', exportedBy: 'the booking-saga consumer (jobs/saga)',
  }),
  sagasCompleted: spec({
    name: 'gofuture_saga_completed_total', type: 'counter', labels: ['saga'],
    help: 'Sagas that reached Completed', exportedBy: 'the booking-saga consumer (jobs/saga)',
  }),
  sagasFailed: spec({
    name: 'gofuture_saga_failed_total', type: 'counter', labels: ['saga', 'reason'],
    help: 'Sagas that reached Failed, by the failing step or reason', exportedBy: 'the booking-saga consumer (jobs/saga)',
  }),
  sagaDuration: spec({
    name: 'gofuture_saga_duration_seconds', type: 'histogram', labels: ['saga', 'outcome'],
    help: 'SagaStarted to Completed or Failed, event time, seconds', exportedBy: 'the booking-saga consumer (jobs/saga)',
    buckets: [0.1, 0.5, 1, 5, 15, 30, 60, 300, 900],
  }),
  sagaChoreographyViolations: spec({
    name: 'gofuture_saga_choreography_violations_total', type: 'counter', labels: ['saga', 'violation'],
    help: 'Sagas whose compensation after PaymentFailed did not happen in time (booking_not_cancelled, saga_not_failed, driver_not_released)', exportedBy: 'the booking-saga consumer (jobs/saga)',
  }),
  anomalyAlerts: spec({
    name: 'gofuture_anomaly_alerts_total', type: 'counter', labels: ['kind'],
    help: 'Stream anomalies raised as alerts (location_jump, payment_burst, payment_methods, amount_spike)', exportedBy: 'jobs/anomalies',
  }),
  // ------------------------------------------------------------------ models
  predictionLatency: spec({
    name: 'gofuture_model_inference_seconds', type: 'histogram', labels: ['model', 'version'],
    help: 'Duration of one session.run (one coalesced batch)', exportedBy: 'connectors/onnx/onnx-model-runtime.ts',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
  }),
  driftScore: spec({
    name: 'gofuture_model_drift_score', type: 'gauge', labels: ['model', 'version', 'feature', 'method'],
    help: 'Latest drift statistic of one feature (or `prediction`) of a model version against its reference (PSI, KS, ...)', exportedBy: 'jobs/drift',
  }),
  driftDetected: spec({
    name: 'gofuture_model_drift_detected', type: 'gauge', labels: ['model', 'version'],
    help: '1 when the latest drift report of a model version says drift (any feature past its threshold), else 0', exportedBy: 'jobs/drift',
  }),
  // ------------------------------------------------------------------ gateway
  subscriptionsOpen: spec({
    name: 'gateway_graphql_subscriptions_active', type: 'gauge', labels: [],
    help: 'Subscriptions currently streaming through the gateway', exportedBy: 'gateway/metrics.ts',
  }),
  subgraphUp: spec({
    name: 'gofuture_subgraph_up', type: 'gauge', labels: ['subgraph'],
    help: '1 when the subgraph answered the gateway front door\'s last probe ({ __typename }), else 0', exportedBy: 'gateway/subgraph-probe.ts',
  }),
  alertsReceived: spec({
    name: 'gofuture_alerts_webhook_received_total', type: 'counter', labels: ['status'],
    help: 'Alerts received from Alertmanager on POST /alerts/webhook, by status (firing, resolved)', exportedBy: 'gateway/alerts-webhook.ts',
  }),
} as const;

export type MetricKey = keyof typeof METRICS;
