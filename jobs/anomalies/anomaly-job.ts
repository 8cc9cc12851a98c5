/**
 * Stream anomaly detectors (group 'anomalies', driver-events and payment-events): location jumps
 * of drivers (location-jumps.ts) and payment patterns of users (payment-patterns.ts), raised as
 * alerts with their evidence through the platform's AlertSink (alert-outbox.ts).
 *
 * Deterministic given the log: each entity's state moves in its partition's order, an event at or
 * below the entity's stored offset is a replay and is skipped, and alert ids come from the
 * triggering event. Per batch: alerts recorded (unpublished) -> states stored -> alerts raised and
 * marked -> offsets committed by the consumer. A crash anywhere re-delivers the batch; nothing is
 * detected twice and nothing recorded is lost (recovered on start).
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { EventLog } from '../../connectors/contracts/event-log.ts';
import type { Warehouse } from '../../connectors/contracts/warehouse.ts';
import { counterOf } from '../../connectors/support/metrics.ts';
import { TOPICS } from '../../schema/events/topics.ts';
import { METRICS } from '../../schema/operations/metric-names.ts';
import { ANOMALY_ALERTS } from '../../schema/tables/saga-tables.ts';
import type { AlertSink } from '../orchestrator/alerts.ts';
import { createGate } from '../landing/landing-support.ts';
import { startEventJob, type EventJob, type ParsedRecord } from '../support/event-consumer.ts';
import { AlertOutbox, anomalyRow } from './alert-outbox.ts';
import { ANOMALY_KINDS, type Anomaly } from './anomaly.ts';
import { ANOMALY_STATE, AnomalyStateStore, type EntityState } from './anomaly-state-store.ts';
import { DEFAULT_LOCATION_JUMPS, detectLocationJump, type LocationJumpConfig, type LocationState } from './location-jumps.ts';
import { DEFAULT_PAYMENT_PATTERNS, detectPaymentPatterns, emptyPaymentState, type PaymentPatternConfig, type PaymentState } from './payment-patterns.ts';

export const ANOMALY_JOB = { name: 'anomalies', groupId: 'anomalies', topics: [TOPICS.driver.name, TOPICS.payment.name] } as const;

export interface AnomalyJobOptions {
  readonly log: EventLog;
  readonly warehouse: Warehouse;
  readonly sink: AlertSink;
  readonly logger: Logger;
  readonly metrics: Registry;
  readonly maxBatchSize?: number;
  readonly locationJumps?: Partial<LocationJumpConfig>;
  readonly paymentPatterns?: Partial<PaymentPatternConfig>;
}

const isLocationState = (s: unknown): s is LocationState =>
  typeof s === 'object' && s !== null && typeof (s as LocationState).last?.at === 'number';
const isPaymentState = (s: unknown): s is PaymentState =>
  typeof s === 'object' && s !== null && Array.isArray((s as PaymentState).recent) && Array.isArray((s as PaymentState).amounts);

/** The entity an event's detector state belongs to, or null when no detector reads the event. */
export function anomalyEntityOf(p: ParsedRecord): string | null {
  const e = p.event;
  if (e.event_type === 'DriverLocationUpdated') return `driver:${e.data.driver_id}`;
  if (e.event_type === 'PaymentInitiated') return `user:${e.data.user_id}`;
  return null;
}

export interface AnomalyDetectors {
  readonly locations: LocationJumpConfig;
  readonly payments: PaymentPatternConfig;
}

/** One batch through the detectors: the changed states and the anomalies found. Pure over the store's cache. */
export function detectBatch(events: readonly ParsedRecord[], get: (entity: string) => EntityState<unknown> | null, d: AnomalyDetectors): { changed: Map<string, EntityState<unknown>>; anomalies: Anomaly[] } {
  const changed = new Map<string, EntityState<unknown>>();
  const anomalies: Anomaly[] = [];
  for (const p of events) {
    const entity = anomalyEntityOf(p);
    if (entity === null) continue;
    const offset = Number(p.record.offset);
    const current = changed.get(entity) ?? get(entity);
    if (current && offset <= current.lastOffset) continue; // applied before a restart
    const e = p.event;
    if (e.event_type === 'DriverLocationUpdated') {
      const r = detectLocationJump(isLocationState(current?.state) ? current.state : null, e, d.locations);
      changed.set(entity, { state: r.state, lastOffset: offset });
      if (r.anomaly) anomalies.push(r.anomaly);
    } else if (e.event_type === 'PaymentInitiated') {
      const r = detectPaymentPatterns(isPaymentState(current?.state) ? current.state : emptyPaymentState(), e, d.payments);
      changed.set(entity, { state: r.state, lastOffset: offset });
      anomalies.push(...r.anomalies);
    }
  }
  return { changed, anomalies };
}

export async function startAnomalyJob(o: AnomalyJobOptions): Promise<EventJob> {
  const logger = o.logger.child({ job: ANOMALY_JOB.name });
  await o.warehouse.ensureTables([ANOMALY_ALERTS, ANOMALY_STATE]);
  const detectors: AnomalyDetectors = {
    locations: { ...DEFAULT_LOCATION_JUMPS, ...o.locationJumps },
    payments: { ...DEFAULT_PAYMENT_PATTERNS, ...o.paymentPatterns },
  };
  const raised = counterOf(o.metrics, METRICS.anomalyAlerts);
  for (const k of ANOMALY_KINDS) raised.inc({ kind: k }, 0);
  const store = new AnomalyStateStore(o.warehouse);
  const outbox = new AlertOutbox(o.warehouse, o.sink, logger);
  await outbox.recover(o.log);
  const gate = createGate();
  return startEventJob({
    name: ANOMALY_JOB.name,
    groupId: ANOMALY_JOB.groupId,
    topics: ANOMALY_JOB.topics,
    log: o.log,
    logger: o.logger,
    metrics: o.metrics,
    ...(o.maxBatchSize ? { maxBatchSize: o.maxBatchSize } : {}),
    handle: (events) => gate(async () => {
      const entities = events.map(anomalyEntityOf).filter((e): e is string => e !== null);
      if (entities.length === 0) return;
      await store.load(entities);
      const { changed, anomalies } = detectBatch(events, (e) => store.get(e), detectors);
      await outbox.record(anomalies);
      await store.save(changed);
      if (anomalies.length > 0) {
        await outbox.publish(anomalies.map((a) => anomalyRow(a, false)));
        for (const a of anomalies) {
          raised.inc({ kind: a.kind });
          logger.warn({ kind: a.kind, subject: a.subjectId, at: a.at }, a.message);
        }
      }
    }),
  });
}
