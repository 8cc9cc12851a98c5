/**
 * Where the PostgreSQL integration tests find the real server (`bash scripts/services.sh up postgres`:
 * PostgreSQL 15, wal_level=logical), a check that fails with a clear message when it is down (these
 * tests never skip), and one-statement helpers for setup and cleanup.
 */
import pg from 'pg';

export const PG_URL: string = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:15432/gofuture';

let checked: Promise<void> | null = null;

/** Fails (never skips) unless PostgreSQL answers at PG_URL with wal_level=logical. */
export function requirePostgres(): Promise<void> {
  checked ??= (async () => {
    const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2_000 });
    try {
      await c.connect();
      const r = await c.query<{ wal_level: string }>('SHOW wal_level');
      if (r.rows[0]?.wal_level !== 'logical') throw new Error(`PostgreSQL at ${PG_URL} has wal_level=${r.rows[0]?.wal_level}, logical replication needs wal_level=logical`);
    } catch (e) {
      throw new Error(`PostgreSQL is not usable at ${PG_URL} (${e instanceof Error ? e.message : String(e)}). Start it with \`bash scripts/services.sh up postgres\` or set PG_URL.`);
    } finally {
      await c.end().catch(() => undefined);
    }
  })();
  return checked;
}

/** Runs statements on a fresh connection; returns the rows of the last one. */
export async function pgExec<R extends Record<string, unknown> = Record<string, unknown>>(...sql: string[]): Promise<R[]> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    let rows: R[] = [];
    for (const s of sql) rows = (await c.query<R>(s)).rows;
    return rows;
  } finally {
    await c.end();
  }
}

/** Drops a test's slot (waiting for its walsender to let go), publication, state row and schemas. */
export async function dropCdcFixtures(o: { slot?: string; publication?: string; schemas?: readonly string[] }): Promise<void> {
  if (o.slot) {
    for (let i = 0; i < 50; i++) {
      const r = await pgExec<{ active: boolean }>(`SELECT active FROM pg_replication_slots WHERE slot_name = '${o.slot}'`);
      if (!r[0]) break;
      if (!r[0].active) {
        await pgExec(`SELECT pg_drop_replication_slot('${o.slot}')`);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await pgExec(`DELETE FROM public._gofuture_cdc_state WHERE slot = '${o.slot}'`).catch(() => undefined);
  }
  if (o.publication) await pgExec(`DROP PUBLICATION IF EXISTS "${o.publication}"`);
  for (const s of o.schemas ?? []) await pgExec(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
}
