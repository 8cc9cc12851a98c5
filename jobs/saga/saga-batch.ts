/**
 * One batch of the saga job: read the stored sagas the events touch, fold the events in, look up
 * the drivers' releases the choreography check needs, re-judge the checks that fell due, and upsert
 * the sagas whose row version grew. Idempotent: the same events give the same rows (saga-fold.ts),
 * so a batch re-delivered after a crash writes nothing new and moves no metric.
 */
import type { Row, Warehouse } from '../../connectors/contracts/warehouse.ts';
import { PlatformError } from '../../schema/errors.ts';
import { SAGA_DRIVER_RELEASES, SAGA_STATES } from '../../schema/tables/saga-tables.ts';
import { num, str } from '../landing/landing-support.ts';
import type { ParsedRecord } from '../support/event-consumer.ts';
import { applyDriverRelease, applySagaEvent, driverRelease, emptyFacts, endedAt, sagaBookingOf, type Choreography, type SagaFacts } from './saga-fold.ts';
import { sagaFromRow, sagaRow, type StoredSaga } from './saga-rows.ts';

const CHUNK = 500;

export interface SagaBatchOptions {
  readonly warehouse: Warehouse;
  /** Event-time clock of the job (max event time seen minus lateness). */
  readonly clock: number;
  readonly deadlineMs: number;
  readonly nowMs: number;
  /** Re-judge the pending checks whose deadline the clock passed (a scan: the job does it every few seconds of event time). */
  readonly sweepDue?: boolean;
}

/** What changed, for the metrics: transitions of each saga written. */
export interface SagaTransition {
  readonly before: StoredSaga | null;
  readonly after: SagaFacts;
  readonly choreography: Choreography;
}

export interface SagaBatchResult {
  readonly written: number;
  readonly transitions: readonly SagaTransition[];
}

async function chunked(ids: readonly string[], read: (part: string[]) => Promise<Row[]>): Promise<Row[]> {
  const out: Row[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) out.push(...(await read(ids.slice(i, i + CHUNK))));
  return out;
}

const cols = SAGA_STATES.columns.map((c) => c.name).join(', ');

export async function processSagaBatch(events: readonly ParsedRecord[], o: SagaBatchOptions): Promise<SagaBatchResult> {
  const wh = o.warehouse;
  const byBooking = new Map<string, ParsedRecord[]>();
  const releases: Row[] = [];
  for (const p of events) {
    const b = sagaBookingOf(p.event);
    if (b !== null) {
      const list = byBooking.get(b);
      if (list) list.push(p);
      else byBooking.set(b, [p]);
    }
    const r = driverRelease(p.event);
    if (r) releases.push({ event_id: p.event.event_id, driver_id: r.driverId, released_at: r.at, version: r.at });
  }
  if (releases.length > 0) {
    const res = await wh.insert(SAGA_DRIVER_RELEASES.name, releases);
    const bad = res.rejected[0];
    if (bad) throw new PlatformError('WAREHOUSE_ROW_REJECTED', `saga driver release rejected: ${bad.reason}`, { table: SAGA_DRIVER_RELEASES.name });
  }
  const releasedDrivers = [...new Set(releases.map((r) => str(r, 'driver_id')))];
  // the sagas to judge again: touched by this batch, waiting on a driver released now, or due
  const stored = new Map<string, StoredSaga>();
  const keep = (rows: Row[]): void => {
    for (const row of rows) stored.set(str(row, 'booking_id'), sagaFromRow(row));
  };
  keep(await chunked([...byBooking.keys()], (ids) => wh.query(`SELECT ${cols} FROM ${SAGA_STATES.name} WHERE booking_id IN ({ids})`, { ids })));
  if (releasedDrivers.length > 0) {
    keep(await chunked(releasedDrivers, (ids) => wh.query(
      `SELECT ${cols} FROM ${SAGA_STATES.name} WHERE driver_id IN ({ids}) AND choreography IN ({states}) AND driver_released_at IS NULL`,
      { ids, states: ['pending', 'violated'] },
    )));
  }
  if (o.sweepDue !== false) {
    keep(await wh.query(`SELECT ${cols} FROM ${SAGA_STATES.name} WHERE choreography = {state} AND check_due_at <= {clock} ORDER BY check_due_at LIMIT 1000`, { state: 'pending', clock: o.clock }));
  }

  const bookings = new Set([...byBooking.keys(), ...stored.keys()]);
  const facts = new Map<string, SagaFacts>();
  for (const b of bookings) {
    const prev = stored.get(b);
    const f: SagaFacts = prev ? { ...prev.facts, steps: { ...prev.facts.steps } } : emptyFacts(b);
    for (const p of byBooking.get(b) ?? []) applySagaEvent(f, p.event);
    facts.set(b, f);
  }
  // the drivers' releases, for sagas whose payment failed and whose driver is not known released
  const waiting = [...facts.values()].filter((f) => f.paymentFailedAt !== null && f.driverId !== null && f.acceptedAt !== null && f.driverReleasedAt === null);
  if (waiting.length > 0) {
    const drivers = [...new Set(waiting.map((f) => f.driverId as string))];
    const from = Math.min(...waiting.map((f) => f.acceptedAt as number));
    const rows = await chunked(drivers, (ids) => wh.query(
      `SELECT driver_id, released_at FROM ${SAGA_DRIVER_RELEASES.name} WHERE driver_id IN ({ids}) AND released_at >= {from}`,
      { ids, from },
    ));
    for (const f of waiting) for (const r of rows) applyDriverRelease(f, str(r, 'driver_id'), num(r, 'released_at'));
  }
  const out: Row[] = [];
  const transitions: SagaTransition[] = [];
  for (const [b, f] of facts) {
    const before = stored.get(b) ?? null;
    const r = sagaRow(f, o.clock, o.deadlineMs, o.nowMs);
    if (before && r.version <= before.version) continue;
    out.push(r.row);
    transitions.push({ before, after: f, choreography: r.choreography });
  }
  if (out.length > 0) {
    const res = await wh.insert(SAGA_STATES.name, out);
    const bad = res.rejected[0];
    if (bad) throw new PlatformError('WAREHOUSE_ROW_REJECTED', `saga row rejected: ${bad.reason}`, { table: SAGA_STATES.name });
  }
  return { written: out.length, transitions };
}

/** Seconds from start to end, when both are known now and were not before. */
export function newDuration(t: SagaTransition): number | null {
  const end = endedAt(t.after);
  if (t.after.startedAt === null || end === null) return null;
  const b = t.before?.facts;
  if (b && b.startedAt !== null && endedAt(b) !== null) return null;
  return Math.max(0, end - t.after.startedAt) / 1000;
}
