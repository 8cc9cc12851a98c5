/**
 * One `stream(handler)` of the PostgreSQL ChangeSource: slot setup, the initial snapshot, then the
 * replication stream, delivering batches to the handler one at a time.
 *
 * Confirmation: only after the handler resolved is a batch's commit end LSN written to the state
 * table and then sent as the slot's flush position (standby status). After a crash the slot re-sends
 * every transaction not confirmed to the server; a re-sent one at or below the LSN persisted in the
 * state table is skipped (confirmed to us, not yet to the server): nothing lost, nothing confirmed twice.
 * A handler that rejects gets the same batch again after a backoff (never skipped).
 */
import type { Logger } from 'pino';
import type { Counter, Gauge } from 'prom-client';
import type { ChangeBatch, ChangeStreamHandle } from '../contracts/change-source.ts';
import type { DebeziumEnvelope } from '../../schema/events/debezium.ts';
import { errorMessage, PlatformError } from '../../schema/errors.ts';
import type { PgChangeSourceConfig } from './pg-config.ts';
import type { CapturedTable, PgAdmin } from './pg-admin.ts';
import { makeEnvelope, PgoutputDecoder, type DecodedTransaction, type SourceInfo } from './pg-envelopes.ts';
import { formatLsn, maxLsn, parseLsn } from './pg-lsn.ts';
import { ReplicationStream, StreamEnded } from './pg-replication-stream.ts';
import { createSlotWithSnapshot, type ExportedSnapshot, type SnapshotRows } from './pg-snapshot.ts';

export interface RunMetrics {
  readonly changes: Counter<'table' | 'op'>;
  readonly invalid: Counter<'slot'>;
  readonly handlerFailures: Counter<'slot'>;
  readonly redeliveriesSkipped: Counter<'slot'>;
  readonly lag: Gauge<'slot'>;
}

export interface RunDeps {
  readonly config: PgChangeSourceConfig;
  readonly admin: PgAdmin;
  readonly logger: Logger;
  readonly metrics: RunMetrics;
  readonly info: SourceInfo;
  readonly tables: () => Promise<readonly CapturedTable[]>;
  readonly handler: (batch: ChangeBatch) => Promise<void>;
}

class Stopped extends Error {}

export class StreamRun implements ChangeStreamHandle {
  readonly #d: RunDeps;
  #stopping = false;
  #confirmed: string | null = null;
  /** The flush position we report to the server (exclusive). */
  #ack = 0n;
  /** The confirmed LSN in the state table: re-sent transactions at or below it are skipped. */
  #persisted = 0n;
  #exported: ExportedSnapshot | null = null;
  #stream: ReplicationStream | null = null;
  #waiting = false;
  #pending = 0;
  #wakeSleep: (() => void) | null = null;
  #loop: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | null = null;
  /** Delivered batches and changes in this run (tests and logs). */
  readonly stats = { batches: 0, changes: 0, snapshotRows: 0, skippedRedeliveries: 0 };

  constructor(d: RunDeps) {
    this.#d = d;
  }

  /** Checks the slot and its state; creates the slot (exporting a snapshot when one is due). Then runs in the background. */
  async begin(): Promise<void> {
    await this.#prepareSlot();
    this.#timer = setInterval(() => void this.#tick(), this.#d.config.statusIntervalMs);
    this.#timer.unref();
    this.#loop = this.#run();
  }

  async #prepareSlot(): Promise<void> {
    const { admin, config, logger } = this.#d;
    const state = await admin.state();
    let slot = await admin.slot();
    for (const deadline = Date.now() + config.slotBusyWaitMs; slot.exists && slot.active && Date.now() < deadline;) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      slot = await admin.slot();
    }
    if (slot.exists && slot.active) throw PlatformError.of('CDC_SLOT_IN_USE', { slot: config.slot });
    if (config.snapshot === 'initial' && !(state?.snapshotDone && slot.exists)) {
      if (slot.exists) {
        logger.warn({ slot: config.slot }, 'snapshot never completed for this slot: dropping and re-creating it to export a fresh snapshot');
        await admin.dropSlot();
      } else if (state?.snapshotDone) {
        logger.warn({ slot: config.slot }, 'slot is gone (dropped outside the platform): taking a new snapshot');
      }
      this.#exported = await createSlotWithSnapshot(config.url, config.slot, `gofuture-cdc-snapshot-${config.slot}`);
      await admin.saveState({ snapshotDone: false, snapshotLsn: this.#exported.consistentPoint, confirmedLsn: null });
      this.#ack = parseLsn(this.#exported.consistentPoint);
      this.#persisted = 0n;
      this.#confirmed = null;
      return;
    }
    if (!slot.exists) {
      const lsn = await admin.createSlot();
      if (state?.snapshotDone) logger.warn({ slot: config.slot }, 'slot was gone: re-created; changes made meanwhile were not captured');
      await admin.saveState({ snapshotDone: state?.snapshotDone ?? false, snapshotLsn: state?.snapshotLsn ?? null, confirmedLsn: null });
      this.#ack = parseLsn(lsn);
      return;
    }
    this.#ack = slot.confirmedFlush ? parseLsn(slot.confirmedFlush) : 0n;
    this.#persisted = state?.confirmedLsn ? parseLsn(state.confirmedLsn) : 0n;
    this.#confirmed = state?.confirmedLsn ?? null;
  }

  async #run(): Promise<void> {
    const { logger, config } = this.#d;
    let delay = config.retryMinMs;
    while (!this.#stopping) {
      try {
        if (!this.#exported && config.snapshot === 'initial' && !(await this.#d.admin.state())?.snapshotDone) await this.#prepareSlot();
        if (this.#exported) await this.#snapshot(this.#exported);
        await this.#streamOnce();
        delay = config.retryMinMs;
      } catch (e) {
        await this.#exported?.close();
        this.#exported = null;
        if (this.#stopping && (e instanceof Stopped || e instanceof StreamEnded)) break;
        logger.warn({ err: errorMessage(e), slot: config.slot, retryInMs: delay }, 'change stream interrupted: resuming from the confirmed position');
        await this.#sleep(delay);
        delay = Math.min(delay * 2, config.retryMaxMs);
      }
    }
  }

  async #snapshot(exported: ExportedSnapshot): Promise<void> {
    const { admin, config, logger, info } = this.#d;
    const started = Date.now();
    const tables = await this.#d.tables();
    let held: SnapshotRows | null = null;
    let first = true;
    const emit = async (b: SnapshotRows, last: boolean): Promise<void> => {
      const changes = b.rows.map((row, i): DebeziumEnvelope => {
        const marker = last && i === b.rows.length - 1 ? 'last' : first && i === 0 ? 'first' : 'true';
        return makeEnvelope(info, 'r', b.table.schema, b.table.table, null, row, { lsn: parseLsn(exported.consistentPoint), txId: null, tsMs: started, snapshot: marker });
      });
      first = false;
      await this.#deliver({ changes, invalid: [], position: exported.consistentPoint });
      this.#confirmed = exported.consistentPoint;
      this.stats.snapshotRows += changes.length;
    };
    for await (const b of exported.rows(tables, config.snapshotBatchSize)) {
      if (held) await emit(held, false);
      held = b;
    }
    if (held) await emit(held, true);
    await exported.close();
    this.#exported = null;
    await admin.saveState({ snapshotDone: true, snapshotLsn: exported.consistentPoint, confirmedLsn: exported.consistentPoint });
    this.#persisted = parseLsn(exported.consistentPoint);
    this.#confirmed = exported.consistentPoint;
    logger.info({ slot: config.slot, rows: this.stats.snapshotRows, tables: tables.length, ms: Date.now() - started }, 'snapshot completed');
  }

  async #streamOnce(): Promise<void> {
    const { config, info } = this.#d;
    const decoder = new PgoutputDecoder(info, (schema, table) => `${schema}.${table}` === config.stateTable);
    const stream = await ReplicationStream.open({
      url: config.url, slot: config.slot, publication: config.publication, applicationName: `gofuture-cdc-${config.slot}`,
      onKeepalive: (walEnd, reply) => {
        // idle: everything the server sent before this keepalive is processed and confirmed
        if (this.#waiting && this.#pending === 0 && stream.buffered === 0 && !decoder.inTransaction) this.#ack = maxLsn(this.#ack, walEnd);
        if (reply) stream.sendStatus(this.#ack);
      },
    });
    this.#stream = stream;
    try {
      if (this.#stopping) return;
      stream.sendStatus(this.#ack);
      this.#d.logger.info({ slot: config.slot, from: formatLsn(this.#ack) }, 'streaming changes');
      const ready: DecodedTransaction[] = [];
      let readyChanges = 0;
      for (;;) {
        this.#waiting = true;
        const m = await stream.next();
        this.#waiting = false;
        const r = decoder.push(m.walStart, m.payload);
        if (!r) continue;
        if ('stray' in r) {
          await this.#flush(ready.splice(0), stream);
          this.#pending = 0;
          readyChanges = 0;
          this.#d.metrics.invalid.inc({ slot: config.slot }, 1);
          await this.#deliver({ changes: [], invalid: [r.stray], position: this.#confirmed ?? formatLsn(this.#ack) });
          continue;
        }
        if (r.txn.endLsn <= this.#persisted) {
          this.stats.skippedRedeliveries++;
          this.#d.metrics.redeliveriesSkipped.inc({ slot: config.slot }, 1);
          continue;
        }
        ready.push(r.txn);
        this.#pending = ready.length;
        readyChanges += r.txn.changes.length + r.txn.invalid.length;
        if ((stream.buffered === 0 && !decoder.inTransaction) || readyChanges >= config.maxBatchChanges) {
          await this.#flush(ready.splice(0), stream);
          this.#pending = 0;
          readyChanges = 0;
        }
      }
    } finally {
      this.#waiting = false;
      this.#stream = null;
      if (this.#stopping) stream.sendStatus(this.#ack);
      await stream.close();
    }
  }

  async #flush(txns: readonly DecodedTransaction[], stream: ReplicationStream): Promise<void> {
    const last = txns[txns.length - 1];
    if (!last) return;
    const changes = txns.flatMap((t) => t.changes);
    const invalid = txns.flatMap((t) => t.invalid);
    const position = formatLsn(last.endLsn);
    if (changes.length + invalid.length > 0) {
      await this.#deliver({ changes, invalid, position });
      for (const c of changes) this.#d.metrics.changes.inc({ table: `${c.source.schema}.${c.source.table}`, op: c.op });
      if (invalid.length > 0) this.#d.metrics.invalid.inc({ slot: this.#d.config.slot }, invalid.length);
      await this.#d.admin.saveConfirmed(position);
      this.#persisted = last.endLsn;
      this.#confirmed = position;
    }
    this.#ack = maxLsn(this.#ack, last.endLsn);
    stream.sendStatus(this.#ack);
  }

  /** Calls the handler until it resolves; rejections are retried after a backoff. Throws Stopped when stop() comes first. */
  async #deliver(batch: ChangeBatch): Promise<void> {
    const { config, logger } = this.#d;
    let delay = config.retryMinMs;
    for (;;) {
      if (this.#stopping) throw new Stopped('stopped');
      try {
        await this.#d.handler(batch);
        this.stats.batches++;
        this.stats.changes += batch.changes.length;
        return;
      } catch (e) {
        this.#d.metrics.handlerFailures.inc({ slot: config.slot }, 1);
        logger.warn({ err: errorMessage(e), position: batch.position, changes: batch.changes.length, retryInMs: delay }, 'change handler failed: retrying the same batch');
        await this.#sleep(delay);
        delay = Math.min(delay * 2, config.retryMaxMs);
      }
    }
  }

  #sleep(ms: number): Promise<void> {
    if (this.#stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        resolve();
      }
      this.#wakeSleep = done;
    });
  }

  async #tick(): Promise<void> {
    this.#stream?.sendStatus(this.#ack);
    try {
      const s = await this.#d.admin.slot();
      if (s.lagBytes !== null) this.#d.metrics.lag.set({ slot: this.#d.config.slot }, s.lagBytes);
    } catch (e) {
      this.#d.logger.debug({ err: errorMessage(e) }, 'lag query failed');
    }
  }

  confirmedPosition(): string | null {
    return this.#confirmed;
  }

  async stop(): Promise<void> {
    if (!this.#stopping) {
      this.#stopping = true;
      if (this.#timer) clearInterval(this.#timer);
      this.#stream?.interrupt();
      this.#wakeSleep?.();
    }
    await this.#loop;
    await this.#exported?.close();
    this.#exported = null;
  }
}
