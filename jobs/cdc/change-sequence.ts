/**
 * Where each change of a batch stands in its source's total order, and what identifies it across a
 * redelivery: the `x-cdc-seq` and `x-cdc-change` headers of every record the CDC job publishes
 * (publish-ledger.ts decides with them what was published before a crash).
 *
 * Only sources whose batch positions are totally ordered numbers can be sequenced: PostgreSQL, whose
 * positions are LSNs (`X/Y`). Sequencing 'lsn':
 * - Streamed batch (position P = commit end LSN of its last transaction): change i of the batch gets
 *   seq = P << 32 | i, and id = `tx:<txId>/<j>`, j = its index inside its transaction. Batches arrive
 *   in commit order with growing P, so seqs grow in publish order. A transaction is never split
 *   across batches, but how transactions are merged into batches differs after a restart (the slot
 *   re-sends a burst): the seq of a re-sent change may then differ from the first time, its id not.
 * - Snapshot batch (op 'r', source.snapshot set): every batch of one snapshot carries the same
 *   position, the slot's consistent point CP. Change k of the snapshot (counted over its batches, in
 *   delivery order) gets seq = CP << 32 | k, below every streamed seq (streaming starts after CP).
 *   A snapshot interrupted half-way is taken again from the start at a NEW consistent point (the
 *   exported snapshot died with its connection), over rows that may have changed meanwhile, in an
 *   order PostgreSQL does not promise: neither CP nor k is stable across that redo, so the id is the
 *   content: `snap:<sha256(schema.table, after)>` (plus `#n`, the n-th equal row, for tables without a
 *   primary key). A redone row whose id is already in the log is the same row with the same values.
 * Sources without ordered positions (the Debezium-topics source: offsets of several partitions) get
 * no seq: the job is at-least-once for them, consumers dedupe by event id.
 */
import { createHash } from 'node:crypto';
import type { ChangeBatch, ChangeSource } from '../../connectors/contracts/change-source.ts';
import type { DebeziumEnvelope } from '../../schema/events/debezium.ts';

export const CDC_HEADERS = {
  /** The source identity, e.g. `postgres:<slot>`. */
  source: 'x-cdc-source',
  /** Decimal bigint: the change's place in the source's total order (absent: not sequenced). */
  seq: 'x-cdc-seq',
  /** What identifies the change across a redelivery (`tx:<txId>/<j>` or `snap:<hash>`). */
  change: 'x-cdc-change',
  /** The source position of the batch (tracing). */
  position: 'x-cdc-position',
} as const;

export type Sequencing = 'lsn' | 'none';

export interface SequencedChange {
  readonly seq: bigint;
  readonly id: string;
}

export interface SequencedBatch {
  readonly phase: 'snapshot' | 'stream';
  /** One per `batch.changes` entry, same order. */
  readonly changes: readonly SequencedChange[];
  /** Call once the batch is durably published (advances the snapshot counters). */
  readonly delivered: () => void;
}

/** 32 low bits for the index: a batch (or a snapshot) of more than 4 294 967 295 changes is refused. */
export const SEQ_INDEX_BITS = 32n;
const INDEX_LIMIT = 1n << SEQ_INDEX_BITS;

/** PostgreSQL LSN text `X/Y` as a bigint, or null. */
export function lsnNumber(text: string | null | undefined): bigint | null {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text ?? '');
  return m ? (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`) : null;
}

/** The position part of a seq (the LSN it was built from). */
export const seqPosition = (seq: bigint): bigint => seq >> SEQ_INDEX_BITS;

export function isSnapshotChange(env: DebeziumEnvelope): boolean {
  const s = env.source.snapshot;
  return env.op === 'r' && s !== undefined && s !== false && s !== 'false';
}

/** `<kind>:<slot | groupId | name>` from what the source's config says. */
export function sourceIdentity(source: ChangeSource): string {
  const config = (source as { config?: unknown }).config;
  const c = typeof config === 'object' && config !== null ? (config as Record<string, unknown>) : {};
  const name = [c.slot, c.groupId, c.name].find((v): v is string => typeof v === 'string' && v !== '');
  return `${source.kind}:${name ?? 'default'}`;
}

export function defaultSequencing(source: ChangeSource): Sequencing {
  return source.kind === 'postgres' ? 'lsn' : 'none';
}

/** Sequences a source's batches in delivery order (one instance per job; batches one at a time). */
export class ChangeSequencer {
  readonly #hasKey: (schema: string, table: string) => boolean;
  /** The snapshot being delivered: its position and changes already published. */
  #snapshotAt: string | null = null;
  #snapshotCount = 0n;
  /** Equal rows of key-less tables seen in this snapshot (content hash -> count). */
  #equalRows = new Map<string, number>();

  constructor(hasKey: (schema: string, table: string) => boolean) {
    this.#hasKey = hasKey;
  }

  /** null when the batch position is not an LSN (nothing can be sequenced) or the batch has no change. */
  sequence(batch: ChangeBatch): SequencedBatch | null {
    const position = lsnNumber(batch.position);
    const first = batch.changes[0];
    if (position === null || !first) return null;
    if (isSnapshotChange(first)) return this.#snapshot(batch, position);
    if (BigInt(batch.changes.length) >= INDEX_LIMIT) return null;
    let tx: unknown = Symbol('none');
    let j = 0;
    const changes = batch.changes.map((env, i): SequencedChange => {
      const txId = env.source.txId ?? null;
      j = txId === tx ? j + 1 : 0;
      tx = txId;
      const id = txId === null ? `lsn:${String(env.source.lsn)}/${i}` : `tx:${txId}/${j}`;
      return { seq: (position << SEQ_INDEX_BITS) | BigInt(i), id };
    });
    return { phase: 'stream', changes, delivered: () => undefined };
  }

  #snapshot(batch: ChangeBatch, position: bigint): SequencedBatch | null {
    if (batch.position !== this.#snapshotAt) {
      // a new snapshot (or a redo at a new consistent point): count from 0
      this.#snapshotAt = batch.position;
      this.#snapshotCount = 0n;
      this.#equalRows = new Map();
    }
    const base = this.#snapshotCount;
    if (base + BigInt(batch.changes.length) >= INDEX_LIMIT) return null;
    const seen = new Map<string, number>();
    const changes = batch.changes.map((env, i): SequencedChange => {
      const { schema, table } = env.source;
      const hash = createHash('sha256').update(`${schema}.${table}\n${JSON.stringify(env.after)}`).digest('base64url').slice(0, 32);
      let id = `snap:${hash}`;
      if (!this.#hasKey(schema, table)) {
        const n = seen.get(hash) ?? this.#equalRows.get(hash) ?? 0;
        seen.set(hash, n + 1);
        id += `#${n}`;
      }
      return { seq: (position << SEQ_INDEX_BITS) | (base + BigInt(i)), id };
    });
    return {
      phase: 'snapshot',
      changes,
      delivered: () => {
        if (this.#snapshotAt !== batch.position || this.#snapshotCount !== base) return;
        this.#snapshotCount = base + BigInt(batch.changes.length);
        for (const [h, n] of seen) this.#equalRows.set(h, n);
      },
    };
  }
}
