/**
 * The streaming-replication wire protocol on a node-postgres replication connection:
 * START_REPLICATION ... LOGICAL with pgoutput, XLogData ('w') messages queued for one reader (the
 * socket is paused while the queue is long: backpressure), primary keepalives ('k') answered, and
 * standby status updates ('r') carrying EXACTLY the flush LSN we give (never more).
 *
 * Why not pg-logical-replication's LogicalReplicationService: its periodic standby status sends
 * `acknowledge(lastReceivedLsn)` even with `acknowledge.auto: false`, which confirms transactions
 * the handler has not processed (lost after a crash), and every acknowledge reports `lsn + 1`.
 * We still use its PgoutputParser to decode pgoutput messages.
 */
import type { Duplex } from 'node:stream';
import pg from 'pg';

/** node-postgres' Connection, as far as replication needs it (not in @types/pg). */
interface WireConnection {
  readonly stream: Duplex;
  on(event: 'copyData', listener: (msg: { chunk: Buffer }) => void): void;
  once(event: 'replicationStart', listener: () => void): void;
  sendCopyFromChunk(chunk: Buffer): void;
}

export interface XLogData {
  readonly walStart: bigint;
  readonly payload: Buffer;
}

export interface ReplicationStreamOptions {
  readonly url: string;
  readonly slot: string;
  readonly publication: string;
  readonly applicationName: string;
  /** Called for every primary keepalive (server WAL end, whether a reply was requested). */
  readonly onKeepalive: (walEnd: bigint, replyRequested: boolean) => void;
}

const HIGH_WATER = 1000;
const LOW_WATER = 100;
/** Microseconds between 1970-01-01 and 2000-01-01 (PostgreSQL's epoch). */
const PG_EPOCH_US = 946_684_800_000_000n;

/** Thrown by `next()` when the stream ended (closed by us, by the server, or on error). */
export class StreamEnded extends Error {}

export class ReplicationStream {
  readonly #client: pg.Client;
  readonly #wire: WireConnection;
  readonly #queue: XLogData[] = [];
  #waiter: (() => void) | null = null;
  #ended: Error | null = null;
  #paused = false;
  #interrupted = false;

  private constructor(client: pg.Client) {
    this.#client = client;
    this.#wire = client.connection as unknown as WireConnection;
  }

  /** Connects and starts streaming the slot from the server's confirmed position. */
  static async open(o: ReplicationStreamOptions): Promise<ReplicationStream> {
    const config: pg.ClientConfig & { replication: 'database' } = { connectionString: o.url, replication: 'database', application_name: o.applicationName };
    const client = new pg.Client(config);
    await client.connect();
    const s = new ReplicationStream(client);
    client.on('error', (e) => s.#end(e));
    client.on('end', () => s.#end(new StreamEnded('replication connection closed')));
    const started = new Promise<void>((resolve) => s.#wire.once('replicationStart', resolve));
    s.#wire.on('copyData', ({ chunk }) => s.#onCopyData(chunk, o));
    const sql = `START_REPLICATION SLOT "${o.slot}" LOGICAL 0/0 (proto_version '1', publication_names '"${o.publication}"')`;
    const done = client.query(sql).then(
      () => s.#end(new StreamEnded('replication ended by the server')),
      (e: unknown) => s.#end(e instanceof Error ? e : new Error(String(e))),
    );
    await Promise.race([started, done]);
    if (s.#ended) {
      await client.end().catch(() => undefined);
      throw s.#ended;
    }
    return s;
  }

  #onCopyData(chunk: Buffer, o: ReplicationStreamOptions): void {
    const kind = chunk[0];
    if (kind === 0x77 /* w: XLogData */) {
      // copy: pg-protocol's chunk is a view of its receive buffer, reused for the next socket reads
      this.#queue.push({ walStart: chunk.readBigUInt64BE(1), payload: Buffer.from(chunk.subarray(25)) });
      if (this.#queue.length >= HIGH_WATER && !this.#paused) {
        this.#paused = true;
        this.#wire.stream.pause();
      }
      this.#wake();
    } else if (kind === 0x6b /* k: primary keepalive */) {
      o.onKeepalive(chunk.readBigUInt64BE(1), chunk[17] === 1);
    }
  }

  #wake(): void {
    const w = this.#waiter;
    this.#waiter = null;
    w?.();
  }

  #end(e: Error): void {
    this.#ended ??= e;
    this.#wake();
  }

  /** Messages received and not yet taken. */
  get buffered(): number {
    return this.#queue.length;
  }

  /** The next XLogData; waits for one. Throws StreamEnded (or the connection error) once the stream is over or interrupted. */
  async next(): Promise<XLogData> {
    for (;;) {
      if (this.#interrupted) throw new StreamEnded('interrupted');
      const m = this.#queue.shift();
      if (m) {
        if (this.#paused && this.#queue.length <= LOW_WATER) {
          this.#paused = false;
          this.#wire.stream.resume();
        }
        return m;
      }
      if (this.#ended) throw this.#ended;
      await new Promise<void>((resolve) => (this.#waiter = resolve));
    }
  }

  /** Makes the reader's `next()` throw StreamEnded; the connection stays open for a last status update. */
  interrupt(): void {
    this.#interrupted = true;
    this.#wake();
  }

  /** Standby status update: received = flushed = applied = `flush` (exclusive: everything before it is done). */
  sendStatus(flush: bigint, replyRequested = false): boolean {
    if (this.#ended) return false;
    const b = Buffer.alloc(34);
    b[0] = 0x72; // 'r'
    b.writeBigUInt64BE(flush, 1);
    b.writeBigUInt64BE(flush, 9);
    b.writeBigUInt64BE(flush, 17);
    b.writeBigInt64BE(BigInt(Date.now()) * 1000n - PG_EPOCH_US, 25);
    b[33] = replyRequested ? 1 : 0;
    this.#wire.sendCopyFromChunk(b);
    return true;
  }

  async close(): Promise<void> {
    this.interrupt();
    this.#end(new StreamEnded('closed'));
    await this.#client.end().catch(() => undefined);
  }
}
