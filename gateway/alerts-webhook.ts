/**
 * `POST /alerts/webhook` on the gateway's front door: Alertmanager's webhook receiver (payload
 * version 4). Each alert of the notification becomes one pipeline alert (schema/operations/
 * alertmanager-webhook.ts `toPipelineAlert`), handed to `deliver`, which the composition root wires
 * to the platform's AlertSink (the `alerts` topic, `gofuture_pipeline_alerts_total`, the GraphQL
 * subscription `alerts`). Authenticated with a bearer token (Alertmanager's
 * `http_config.authorization`), compared in constant time. Bodies over `maxBodyBytes` are refused.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, type Registry } from 'prom-client';
import { METRICS } from '../schema/operations/metric-names.ts';
import { AlertmanagerWebhookSchema, toPipelineAlert } from '../schema/operations/alertmanager-webhook.ts';
import type { AlertMessage } from '../schema/lake/alerts.ts';
import { errorMessage } from '../schema/errors.ts';

export const ALERTS_WEBHOOK_PATH = '/alerts/webhook';

export interface AlertsWebhookOptions {
  /** The bearer token Alertmanager sends (at least 16 characters). */
  readonly token: string;
  readonly deliver: (alerts: readonly Omit<AlertMessage, 'id' | 'raisedAt'>[]) => Promise<void>;
  readonly metrics?: Registry;
  readonly maxBodyBytes?: number;
  readonly onError?: (e: unknown) => void;
}

export type AlertsWebhookHandler = (req: IncomingMessage, res: ServerResponse) => void;

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

const refuse = (res: ServerResponse, status: number, code: string, message: string, headers?: Record<string, string>): void =>
  reply(res, status, { errors: [{ message, extensions: { code } }] }, headers);

function readBody(req: IncomingMessage, max: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        resolve(null);
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function receivedCounter(registry: Registry): Counter<'status'> {
  const s = METRICS.alertsReceived;
  return (registry.getSingleMetric(s.name) as Counter<'status'> | undefined) ?? new Counter({ name: s.name, help: s.help, labelNames: s.labels, registers: [registry] });
}

export function createAlertsWebhook(o: AlertsWebhookOptions): AlertsWebhookHandler {
  const expected = digest(o.token);
  const max = o.maxBodyBytes ?? 1024 * 1024;
  const received = o.metrics ? receivedCounter(o.metrics) : null;
  return (req, res) => {
    if (req.method !== 'POST') return refuse(res, 405, 'BAD_REQUEST', `${ALERTS_WEBHOOK_PATH} takes POST`, { allow: 'POST' });
    const auth = req.headers.authorization ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(auth);
    if (!m?.[1] || !timingSafeEqual(digest(m[1].trim()), expected)) {
      return refuse(res, 401, 'UNAUTHENTICATED', 'a valid bearer token is required', { 'www-authenticate': 'Bearer realm="alerts-webhook"' });
    }
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
      return refuse(res, 415, 'UNSUPPORTED_MEDIA_TYPE', 'POST bodies must be JSON (content-type: application/json)');
    }
    void (async () => {
      try {
        const text = await readBody(req, max);
        if (text === null) return refuse(res, 413, 'LIMIT_EXCEEDED', `request exceeds the bodyBytes limit of ${max}`);
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          return refuse(res, 400, 'BAD_REQUEST', 'the body is not JSON');
        }
        const parsed = AlertmanagerWebhookSchema.safeParse(json);
        if (!parsed.success) {
          const first = parsed.error.issues[0];
          return refuse(res, 400, 'BAD_REQUEST', `not an Alertmanager webhook payload (version 4): ${first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'invalid'}`);
        }
        const alerts = parsed.data.alerts.map(toPipelineAlert);
        await o.deliver(alerts);
        for (const a of parsed.data.alerts) received?.inc({ status: a.status });
        reply(res, 200, { received: alerts.length });
      } catch (e) {
        o.onError?.(e);
        refuse(res, 500, 'INTERNAL_SERVER_ERROR', `alerts not delivered: ${errorMessage(e)}`);
      }
    })();
  };
}
