/**
 * Anomaly alerts, exactly once on the platform's alerts path (AlertSink: the `alerts` topic, the
 * alert counter, the GraphQL `alerts` subscription). An alert row is written to `anomaly_alerts`
 * unpublished (version 1) before the detector state moves past its event, raised, then marked
 * published (version 2). Ids are stable (kind + triggering event), so a replay writes the same row.
 * On start, unpublished rows are raised unless the alerts topic already holds their id (a crash
 * between raising and marking).
 */
import type { Logger } from 'pino';
import type { EventLog } from '../../connectors/contracts/event-log.ts';
import type { Row, Warehouse } from '../../connectors/contracts/warehouse.ts';
import { PlatformError } from '../../schema/errors.ts';
import { ALERTS_TOPIC, type AlertMessage } from '../../schema/lake/alerts.ts';
import { ANOMALY_ALERTS } from '../../schema/tables/saga-tables.ts';
import type { AlertSink } from '../orchestrator/alerts.ts';
import { str } from '../landing/landing-support.ts';
import { anomalyAlertId, type Anomaly } from './anomaly.ts';

export function anomalyRow(a: Anomaly, published: boolean): Row {
  return {
    alert_id: anomalyAlertId(a), kind: a.kind, subject_id: a.subjectId, detected_at: a.at, severity: a.severity,
    message: a.message, evidence: JSON.stringify(a.evidence), published, version: published ? 2 : 1,
  };
}

async function insert(wh: Warehouse, rows: readonly Row[]): Promise<void> {
  if (rows.length === 0) return;
  const r = await wh.insert(ANOMALY_ALERTS.name, rows);
  const bad = r.rejected[0];
  if (bad) throw new PlatformError('WAREHOUSE_ROW_REJECTED', `anomaly alert rejected: ${bad.reason}`, { table: ANOMALY_ALERTS.name });
}

export class AlertOutbox {
  readonly #wh: Warehouse;
  readonly #sink: AlertSink;
  readonly #logger: Logger;

  constructor(wh: Warehouse, sink: AlertSink, logger: Logger) {
    this.#wh = wh;
    this.#sink = sink;
    this.#logger = logger;
  }

  /** Step 1: the alerts are on record (unpublished). */
  async record(anomalies: readonly Anomaly[]): Promise<void> {
    await insert(this.#wh, anomalies.map((a) => anomalyRow(a, false)));
  }

  /** Step 2: raise each recorded alert and mark it published. */
  async publish(rows: readonly Row[]): Promise<number> {
    for (const row of rows) {
      await this.#sink.raise({
        id: str(row, 'alert_id'), severity: str(row, 'severity') === 'error' ? 'error' : 'warn', kind: 'anomaly',
        dag: null, task: str(row, 'kind'), source: str(row, 'subject_id'), logicalDate: null,
        message: str(row, 'message'), evidence: str(row, 'evidence'),
      });
    }
    await insert(this.#wh, rows.map((r) => ({ ...r, published: true, version: 2 })));
    return rows.length;
  }

  /** On start: raise what a crash left unpublished, skipping ids the alerts topic already holds. */
  async recover(log: EventLog): Promise<number> {
    const cols = ANOMALY_ALERTS.columns.map((c) => c.name).join(', ');
    const pending = await this.#wh.query(`SELECT ${cols} FROM ${ANOMALY_ALERTS.name} WHERE published = {no} ORDER BY detected_at`, { no: false });
    if (pending.length === 0) return 0;
    const onTopic = await publishedIds(log);
    const done = pending.filter((r) => onTopic.has(str(r, 'alert_id')));
    await insert(this.#wh, done.map((r) => ({ ...r, published: true, version: 2 })));
    const n = await this.publish(pending.filter((r) => !onTopic.has(str(r, 'alert_id'))));
    this.#logger.info({ raised: n, alreadyOnTopic: done.length }, 'unpublished anomaly alerts recovered');
    return n;
  }
}

/** Ids of the anomaly alerts in the tail of the alerts topic (the last 5 000 records). */
async function publishedIds(log: EventLog): Promise<Set<string>> {
  const ids = new Set<string>();
  try {
    await log.ensureTopics([ALERTS_TOPIC]);
    const end = await log.endOffsets(ALERTS_TOPIC.name);
    for (const [p, o] of Object.entries(end)) {
      const from = BigInt(o) > 5000n ? (BigInt(o) - 5000n).toString() : '0';
      let offset = from;
      for (;;) {
        const records = await log.read(ALERTS_TOPIC.name, Number(p), offset, 1000);
        for (const r of records) {
          try {
            const m = JSON.parse(r.value) as Partial<AlertMessage>;
            if (typeof m.id === 'string') ids.add(m.id);
          } catch {
            // not an alert message: nothing to match
          }
        }
        const last = records.at(-1);
        if (!last || records.length < 1000) break;
        offset = (BigInt(last.offset) + 1n).toString();
      }
    }
  } catch {
    // the topic cannot be read: raise again (an alert id may then appear twice on the topic)
  }
  return ids;
}
