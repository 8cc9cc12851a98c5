/**
 * The catalogue side of the PostgreSQL ChangeSource, on a small pool of normal connections:
 * publication and replica identity setup, the slot's state, primary keys of captured tables, the
 * per-slot state table (`_gofuture_cdc_state`: snapshot completed? last confirmed LSN), lag.
 */
import pg from 'pg';
import { PlatformError } from '../../schema/errors.ts';
import { quoteQualified, type PgChangeSourceConfig } from './pg-config.ts';

export interface SlotInfo {
  readonly exists: boolean;
  readonly active: boolean;
  readonly confirmedFlush: string | null;
  readonly lagBytes: number | null;
}

export interface SlotState {
  readonly snapshotDone: boolean;
  readonly snapshotLsn: string | null;
  readonly confirmedLsn: string | null;
}

export interface CapturedTable {
  readonly schema: string;
  readonly table: string;
  /** Primary-key columns in key order (empty: no primary key). */
  readonly primaryKey: readonly string[];
}

export class PgAdmin {
  readonly pool: pg.Pool;
  readonly #config: PgChangeSourceConfig;

  constructor(config: PgChangeSourceConfig, onError: (e: Error) => void) {
    this.#config = config;
    this.pool = new pg.Pool({ connectionString: config.url, max: 2, application_name: `gofuture-cdc-admin-${config.slot}` });
    this.pool.on('error', onError);
  }

  /** Checks wal_level, creates the state table and the publication (adding missing tables), sets REPLICA IDENTITY FULL. */
  async prepare(): Promise<void> {
    const c = this.#config;
    const wal = await this.pool.query<{ wal_level: string }>('SHOW wal_level');
    if (wal.rows[0]?.wal_level !== 'logical') {
      throw new PlatformError('CONNECTOR_UNAVAILABLE', `changeSource/postgres: wal_level is ${wal.rows[0]?.wal_level ?? '?'}, logical replication needs wal_level=logical`);
    }
    const [stateSchema] = c.stateTable.split('.');
    await this.pool.query(`CREATE SCHEMA IF NOT EXISTS "${stateSchema}"`);
    await this.pool.query(`CREATE TABLE IF NOT EXISTS ${quoteQualified(c.stateTable)} (
      slot text PRIMARY KEY, snapshot_done boolean NOT NULL DEFAULT false, snapshot_lsn pg_lsn,
      confirmed_lsn pg_lsn, updated_at timestamptz NOT NULL DEFAULT now())`);
    for (const t of c.tables) {
      const r = await this.pool.query<{ ident: string }>('SELECT relreplident AS ident FROM pg_class WHERE oid = to_regclass($1)', [quoteQualified(t)]);
      const row = r.rows[0];
      if (!row) throw new PlatformError('CONFIG_INVALID', `changeSource/postgres: captured table ${t} does not exist`, { path: 'tables' });
      if (c.replicaIdentityFull && row.ident !== 'f') await this.pool.query(`ALTER TABLE ${quoteQualified(t)} REPLICA IDENTITY FULL`);
    }
    const pub = await this.pool.query<{ puballtables: boolean }>('SELECT puballtables FROM pg_publication WHERE pubname = $1', [c.publication]);
    const tableList = c.tables.map(quoteQualified).join(', ');
    if (pub.rows.length === 0) {
      await this.pool.query(`CREATE PUBLICATION "${c.publication}" ${c.tables.length > 0 ? `FOR TABLE ${tableList}` : 'FOR ALL TABLES'}`)
        .catch((e: unknown) => {
          if ((e as { code?: string }).code !== '42710') throw e; // created meanwhile by another instance
        });
    } else if (!pub.rows[0]?.puballtables && c.tables.length > 0) {
      const have = await this.pool.query<{ name: string }>(`SELECT schemaname || '.' || tablename AS name FROM pg_publication_tables WHERE pubname = $1`, [c.publication]);
      const present = new Set(have.rows.map((r) => r.name));
      for (const t of c.tables.filter((x) => !present.has(x))) await this.pool.query(`ALTER PUBLICATION "${c.publication}" ADD TABLE ${quoteQualified(t)}`);
    }
  }

  /** The publication's tables (minus the state table) with their primary keys. */
  async capturedTables(): Promise<CapturedTable[]> {
    const r = await this.pool.query<{ schema: string; table: string; pk: string[] | null }>(
      `SELECT pt.schemaname AS schema, pt.tablename AS table,
         (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM pg_index i
            CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
           WHERE i.indrelid = format('%I.%I', pt.schemaname, pt.tablename)::regclass AND i.indisprimary) AS pk
       FROM pg_publication_tables pt WHERE pt.pubname = $1 ORDER BY 1, 2`,
      [this.#config.publication],
    );
    return r.rows
      .filter((x) => `${x.schema}.${x.table}` !== this.#config.stateTable)
      .map((x) => ({ schema: x.schema, table: x.table, primaryKey: x.pk ?? [] }));
  }

  async slot(): Promise<SlotInfo> {
    const r = await this.pool.query<{ active: boolean; confirmed: string | null; lag: number | null }>(
      `SELECT active, confirmed_flush_lsn::text AS confirmed, (pg_current_wal_lsn() - confirmed_flush_lsn)::float8 AS lag
         FROM pg_replication_slots WHERE slot_name = $1`,
      [this.#config.slot],
    );
    const row = r.rows[0];
    return row ? { exists: true, active: row.active, confirmedFlush: row.confirmed, lagBytes: row.lag } : { exists: false, active: false, confirmedFlush: null, lagBytes: null };
  }

  async dropSlot(): Promise<void> {
    await this.pool.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [this.#config.slot]);
  }

  /** Creates a slot without exporting a snapshot (snapshot 'never'). */
  async createSlot(): Promise<string> {
    const r = await this.pool.query<{ lsn: string }>(`SELECT lsn::text AS lsn FROM pg_create_logical_replication_slot($1, 'pgoutput')`, [this.#config.slot]);
    return r.rows[0]?.lsn ?? '0/0';
  }

  async state(): Promise<SlotState | null> {
    const r = await this.pool.query<{ snapshot_done: boolean; snapshot_lsn: string | null; confirmed_lsn: string | null }>(
      `SELECT snapshot_done, snapshot_lsn::text AS snapshot_lsn, confirmed_lsn::text AS confirmed_lsn FROM ${quoteQualified(this.#config.stateTable)} WHERE slot = $1`,
      [this.#config.slot],
    );
    const row = r.rows[0];
    return row ? { snapshotDone: row.snapshot_done, snapshotLsn: row.snapshot_lsn, confirmedLsn: row.confirmed_lsn } : null;
  }

  async saveState(s: SlotState): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${quoteQualified(this.#config.stateTable)} (slot, snapshot_done, snapshot_lsn, confirmed_lsn, updated_at) VALUES ($1, $2, $3, $4, now())
       ON CONFLICT (slot) DO UPDATE SET snapshot_done = EXCLUDED.snapshot_done, snapshot_lsn = EXCLUDED.snapshot_lsn, confirmed_lsn = EXCLUDED.confirmed_lsn, updated_at = now()`,
      [this.#config.slot, s.snapshotDone, s.snapshotLsn, s.confirmedLsn],
    );
  }

  /** Only moves forward: a concurrent older write never sets the confirmed LSN back. */
  async saveConfirmed(lsn: string): Promise<void> {
    await this.pool.query(
      `UPDATE ${quoteQualified(this.#config.stateTable)} SET confirmed_lsn = GREATEST(confirmed_lsn, $2::pg_lsn), updated_at = now() WHERE slot = $1`,
      [this.#config.slot, lsn],
    );
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
