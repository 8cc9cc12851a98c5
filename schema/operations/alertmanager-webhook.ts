/**
 * Alertmanager's webhook payload, version 4 (prometheus.io/docs/alerting/latest/configuration/#webhook_config):
 * what `POST /alerts/webhook` accepts, and how one Prometheus alert becomes one of the platform's
 * pipeline alerts (schema/lake/alerts.ts: the `alerts` topic and the GraphQL subscription `alerts`).
 * Data and types only.
 */
import { z } from 'zod';
import type { AlertMessage } from '../lake/alerts.ts';

const labels = z.record(z.string(), z.string());

export const AlertmanagerAlertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels,
  annotations: labels.default({}),
  startsAt: z.string(),
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().optional(),
});

export const AlertmanagerWebhookSchema = z.object({
  version: z.literal('4'),
  groupKey: z.string(),
  truncatedAlerts: z.number().int().min(0).default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  groupLabels: labels.default({}),
  commonLabels: labels.default({}),
  commonAnnotations: labels.default({}),
  externalURL: z.string().default(''),
  alerts: z.array(AlertmanagerAlertSchema).max(1000),
});

export type AlertmanagerAlert = z.output<typeof AlertmanagerAlertSchema>;
export type AlertmanagerWebhook = z.output<typeof AlertmanagerWebhookSchema>;

/** `kind` of alerts that come from Prometheus rules (the orchestrator's are quality, task, deadline). */
export const PROMETHEUS_ALERT_KIND = 'prometheus';

/**
 * One Prometheus alert as a pipeline alert: severity `critical`/`error` -> error, anything else ->
 * warn; `source` = the alert name; `task` = the `job` label (a platform job) if any; the message
 * says firing or resolved, the summary annotation and the alert's other labels.
 */
export function toPipelineAlert(a: AlertmanagerAlert): Omit<AlertMessage, 'id' | 'raisedAt'> {
  const name = a.labels.alertname ?? 'unnamed';
  const sev = a.labels.severity;
  const rest = Object.entries(a.labels)
    .filter(([k]) => k !== 'alertname' && k !== 'severity')
    .sort(([x], [y]) => x.localeCompare(y))
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  const text = a.annotations.summary ?? a.annotations.description ?? name;
  return {
    severity: sev === 'critical' || sev === 'error' ? 'error' : 'warn',
    kind: PROMETHEUS_ALERT_KIND,
    dag: null,
    task: a.labels.job ?? null,
    source: name,
    logicalDate: null,
    message: `[${a.status.toUpperCase()}] ${name}: ${text}${rest ? ` (${rest})` : ''}`,
  };
}
