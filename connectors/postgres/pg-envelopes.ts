/**
 * pgoutput messages -> Debezium envelopes, one transaction at a time. Relation messages re-point
 * each column's parser to pg-values.ts (so stream values match snapshot values); Begin opens a
 * transaction, Insert/Update/Delete/Truncate become c/u/d/t envelopes, Commit closes it. A message
 * that cannot be decoded or converted becomes an `invalid` entry with a reason, never dropped.
 */
import type { Pgoutput } from 'pg-logical-replication';
// not re-exported by the package index; the package has no exports map, so the deep path is public
import { PgoutputParser } from 'pg-logical-replication/dist/output-plugins/pgoutput/pgoutput-parser.js';
import type { DebeziumEnvelope, DebeziumOp } from '../../schema/events/debezium.ts';
import { DebeziumEnvelopeSchema } from '../../schema/events/debezium.ts';
import { parseLsn } from './pg-lsn.ts';
import { valueParser } from './pg-values.ts';

export interface InvalidChange {
  readonly raw: string;
  readonly reason: string;
}

export interface DecodedTransaction {
  readonly xid: number;
  /** LSN of the commit record, and just past it (what we confirm). */
  readonly commitLsn: bigint;
  readonly endLsn: bigint;
  readonly changes: readonly DebeziumEnvelope[];
  readonly invalid: readonly InvalidChange[];
}

export interface SourceInfo {
  readonly name: string;
  readonly db: string;
}

export type Row = Record<string, unknown>;

type Snapshot = DebeziumEnvelope['source']['snapshot'];

export function makeEnvelope(info: SourceInfo, op: DebeziumOp, schema: string, table: string, before: Row | null, after: Row | null,
  o: { lsn: bigint | null; txId: number | null; tsMs: number; snapshot: Snapshot }): DebeziumEnvelope {
  return {
    before, after, op, ts_ms: Date.now(),
    source: {
      version: 'gofuture-1', connector: 'postgresql', name: info.name, ts_ms: o.tsMs, snapshot: o.snapshot,
      db: info.db, schema, table, txId: o.txId, lsn: o.lsn === null ? null : Number(o.lsn),
    },
  };
}

/** A tuple with `undefined` (unchanged TOAST without an old value) replaced the way Debezium marks it. */
function clean(row: Row | null): Row | null {
  if (!row) return null;
  const out: Row = {};
  for (const [k, v] of Object.entries(row)) out[k] = v === undefined ? '__debezium_unavailable_value' : v;
  return out;
}

interface OpenTxn {
  xid: number;
  commitLsn: bigint;
  tsMs: number;
  changes: DebeziumEnvelope[];
  invalid: InvalidChange[];
}

/** Decodes one replication session's pgoutput messages (a new session needs a new decoder). */
export class PgoutputDecoder {
  readonly #parser = new PgoutputParser();
  readonly #info: SourceInfo;
  readonly #skip: (schema: string, table: string) => boolean;
  #txn: OpenTxn | null = null;
  /** LSN of the message being decoded (a change's own LSN: Debezium's source.lsn). */
  #at = 0n;

  constructor(info: SourceInfo, skip: (schema: string, table: string) => boolean) {
    this.#info = info;
    this.#skip = skip;
  }

  get inTransaction(): boolean {
    return this.#txn !== null;
  }

  /**
   * Feeds one XLogData payload. Returns the transaction it completed, an invalid entry that came
   * outside any transaction, or null.
   */
  push(walStart: bigint, payload: Buffer): { txn: DecodedTransaction } | { stray: InvalidChange } | null {
    let msg: Pgoutput.Message;
    this.#at = walStart;
    try {
      msg = this.#parser.parse(payload);
    } catch (e) {
      return this.#invalid(payload, `undecodable pgoutput message '${String.fromCharCode(payload[0] ?? 0)}' at ${walStart}: ${(e as Error).message}`);
    }
    try {
      return this.#apply(msg, payload);
    } catch (e) {
      return this.#invalid(payload, `unconvertible ${msg.tag} at ${walStart}: ${(e as Error).message}`);
    }
  }

  #invalid(payload: Buffer, reason: string): { stray: InvalidChange } | null {
    const entry = { raw: payload.toString('base64'), reason };
    if (this.#txn) {
      this.#txn.invalid.push(entry);
      return null;
    }
    return { stray: entry };
  }

  #apply(msg: Pgoutput.Message, payload: Buffer): { txn: DecodedTransaction } | { stray: InvalidChange } | null {
    switch (msg.tag) {
      case 'begin':
        this.#txn = { xid: msg.xid >>> 0, commitLsn: msg.commitLsn ? parseLsn(msg.commitLsn) : 0n, tsMs: Number(msg.commitTime.valueOf() as bigint / 1000n), changes: [], invalid: [] };
        return null;
      case 'relation':
        for (const c of msg.columns) c.parser = valueParser(c.typeOid);
        return null;
      case 'type':
      case 'origin':
      case 'message':
        return null;
      case 'commit': {
        const t = this.#txn;
        this.#txn = null;
        if (!t) return { stray: { raw: payload.toString('base64'), reason: 'commit without begin' } };
        const endLsn = msg.commitEndLsn ? parseLsn(msg.commitEndLsn) : t.commitLsn;
        return { txn: { xid: t.xid, commitLsn: msg.commitLsn ? parseLsn(msg.commitLsn) : t.commitLsn, endLsn, changes: t.changes, invalid: t.invalid } };
      }
      case 'insert':
        return this.#change('c', msg.relation, null, msg.new, payload);
      case 'update':
        return this.#change('u', msg.relation, msg.old ?? msg.key, msg.new, payload);
      case 'delete':
        return this.#change('d', msg.relation, msg.old ?? msg.key, null, payload);
      case 'truncate':
        for (const rel of msg.relations) {
          if (!rel) return this.#invalid(payload, 'truncate of a relation never described');
          this.#change('t', rel, null, null, payload);
        }
        return null;
      default:
        return this.#invalid(payload, `unknown pgoutput message ${(msg as { tag?: unknown }).tag as string}`);
    }
  }

  #change(op: DebeziumOp, rel: Pgoutput.MessageRelation, before: Row | null, after: Row | null, payload: Buffer): { stray: InvalidChange } | null {
    const t = this.#txn;
    if (!t) return { stray: { raw: payload.toString('base64'), reason: `${op} change of ${rel.schema}.${rel.name} outside a transaction` } };
    if (this.#skip(rel.schema, rel.name)) return null;
    const env = makeEnvelope(this.#info, op, rel.schema, rel.name, clean(before), clean(after), { lsn: this.#at || t.commitLsn, txId: t.xid, tsMs: t.tsMs, snapshot: false });
    const checked = DebeziumEnvelopeSchema.safeParse(env);
    if (!checked.success || (op === 'd' && env.before === null)) {
      const why = checked.success ? `op ${op} without before (REPLICA IDENTITY of ${rel.schema}.${rel.name} is ${rel.replicaIdentity})` : checked.error.issues[0]?.message ?? 'invalid';
      t.invalid.push({ raw: JSON.stringify(env), reason: why });
      return null;
    }
    t.changes.push(env);
    return null;
  }
}
