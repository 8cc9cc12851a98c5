/** Raises pipeline alerts: the `alerts` topic, a prom-client counter, the live PubSub channel. */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { EventLog } from '../../connectors/contracts/event-log.ts';
import type { PubSub } from '../../connectors/contracts/pub-sub.ts';
import { errorMessage } from '../../schema/errors.ts';
import { ALERTS_CHANNEL, ALERTS_TOPIC, type AlertMessage } from '../../schema/lake/alerts.ts';

/** `id`: a stable id for an alert raised again after a restart (anomalies); default a random UUID. */
export type AlertInput = Omit<AlertMessage, 'id' | 'raisedAt'> & { readonly id?: string };

export interface AlertSink {
  raise(alert: AlertInput): Promise<AlertMessage>;
}

function alertCounter(registry: Registry): Counter<'severity' | 'kind'> {
  const name = 'gofuture_pipeline_alerts_total';
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<'severity' | 'kind'>;
  return new Counter({ name, help: 'Pipeline alerts raised, by severity and kind (quality, task, deadline)', labelNames: ['severity', 'kind'], registers: [registry] });
}

export function createAlertSink(deps: { readonly log?: EventLog; readonly pubsub?: PubSub; readonly metrics: Registry; readonly logger: Logger; readonly now?: () => number }): AlertSink {
  const counter = alertCounter(deps.metrics);
  let topicReady: Promise<void> | null = null;
  return {
    async raise(input) {
      const alert: AlertMessage = { ...input, id: input.id ?? randomUUID(), raisedAt: (deps.now ?? Date.now)() };
      counter.inc({ severity: alert.severity, kind: alert.kind });
      deps.logger[alert.severity === 'error' ? 'error' : 'warn']({ alert }, `pipeline alert: ${alert.message}`);
      const log = deps.log;
      if (log) {
        try {
          topicReady ??= log.ensureTopics([ALERTS_TOPIC]);
          await topicReady;
          await log.publish(ALERTS_TOPIC.name, [{ key: alert.kind, value: JSON.stringify(alert), timestamp: alert.raisedAt }]);
        } catch (e) {
          topicReady = null;
          deps.logger.error({ err: errorMessage(e) }, 'alert not published to the alerts topic');
        }
      }
      if (deps.pubsub) await deps.pubsub.publish(ALERTS_CHANNEL, alert).catch((e: unknown) => deps.logger.error({ err: errorMessage(e) }, 'alert not fanned out'));
      return alert;
    },
  };
}
