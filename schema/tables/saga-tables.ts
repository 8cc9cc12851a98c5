/**
 * Warehouse tables of the booking saga (issue 10 §3) and of the stream anomaly alerts (§4).
 * Data only. `saga_states` is read by the trips subgraph (`sagas`, `saga`); the others are the
 * jobs' own records.
 */
import type { ColumnSpec, ColumnType, TableContract } from './warehouse-tables.ts';

const c = (name: string, type: ColumnType, nullable = false): ColumnSpec => ({ name, type, nullable });

/**
 * One row per booking's saga, the fold of every saga, booking, payment and driver event of it
 * (jobs/saga/saga-fold.ts). `steps` is JSON `[{step, at}]` by time; `violations` a comma list.
 */
export const SAGA_STATES: TableContract = {
  name: 'saga_states',
  columns: [
    c('booking_id', 'string'), c('saga_id', 'string', true),
    c('status', 'string'), // unknown | started | running | completed | failed
    c('started_at', 'int64', true), c('ended_at', 'int64', true), c('completed_at', 'int64', true), c('failed_at', 'int64', true), c('last_step', 'string', true), c('steps', 'string'),
    c('failed_step', 'string', true), c('failure_reason', 'string', true),
    c('driver_id', 'string', true), c('accepted_at', 'int64', true), c('payment_failed_at', 'int64', true),
    c('booking_cancelled_at', 'int64', true), c('driver_released_at', 'int64', true),
    c('choreography', 'string'), // none | pending | ok | violated
    c('violations', 'string'), c('check_due_at', 'int64', true),
    c('updated_at', 'int64'), c('version', 'int64'),
  ],
  orderBy: ['booking_id'],
  dedup: { key: ['booking_id'], version: 'version' },
};

/** A driver freed from a booking (DriverStatusChanged busy -> online | offline), by event id. */
export const SAGA_DRIVER_RELEASES: TableContract = {
  name: 'saga_driver_releases',
  columns: [c('event_id', 'string'), c('driver_id', 'string'), c('released_at', 'int64'), c('version', 'int64')],
  orderBy: ['event_id'],
  dedup: { key: ['event_id'], version: 'version' },
};

/** Every anomaly alert the stream detectors raised (jobs/anomalies), evidence as JSON. */
export const ANOMALY_ALERTS: TableContract = {
  name: 'anomaly_alerts',
  columns: [
    c('alert_id', 'string'), c('kind', 'string'), c('subject_id', 'string'), c('detected_at', 'int64'),
    c('severity', 'string'), c('message', 'string'), c('evidence', 'string'),
    c('published', 'bool'), // false until the alert is on the alerts topic (version 1), then true (version 2)
    c('version', 'int64'),
  ],
  orderBy: ['alert_id'],
  dedup: { key: ['alert_id'], version: 'version' },
};

export const SAGA_TABLES: readonly TableContract[] = [SAGA_STATES, SAGA_DRIVER_RELEASES];
