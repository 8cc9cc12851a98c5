/**
 * Pipeline alerts (a failed quality gate, a task out of retries, a missed deadline): the orchestrator
 * publishes each one to the `alerts` topic of the EventLog (durable, for any consumer: pager, chat),
 * counts it in `gofuture_pipeline_alerts_total`, and fans it out on the PubSub channel the GraphQL
 * subscription `alerts` reads. Data and types only.
 */
import type { TopicSpec } from '../events/topics.ts';

export type AlertSeverity = 'warn' | 'error';

export interface AlertMessage {
  readonly id: string;
  readonly severity: AlertSeverity;
  /** quality | task | deadline (orchestrator) | prometheus (Alertmanager webhook) | anomaly (jobs/anomalies) */
  readonly kind: string;
  readonly dag: string | null;
  readonly task: string | null;
  /** The table or model concerned, if any. */
  readonly source: string | null;
  readonly logicalDate: string | null;
  readonly message: string;
  /** What it is based on, JSON text (anomaly alerts: the triggering events and figures); absent or null when none. */
  readonly evidence?: string | null;
  /** Epoch ms. */
  readonly raisedAt: number;
}

export const ALERTS_TOPIC: TopicSpec = { name: 'alerts', partitions: 1, keyField: 'kind', retentionMs: 30 * 24 * 60 * 60 * 1000, compression: 'none' };

export const ALERTS_CHANNEL = 'pipeline-alerts';
