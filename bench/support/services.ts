/**
 * Where the real services are (the defaults of `scripts/services.sh up`, overridden by the same
 * environment variables as the services profile), whether each answers, and the one-statement
 * helpers the suites use to create and drop their per-run databases.
 */
import { Socket } from 'node:net';
import pg from 'pg';

export const CLICKHOUSE_URL = process.env.CLICKHOUSE_URL ?? 'http://127.0.0.1:18123';
export const KAFKA_BROKERS: readonly string[] = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',').map((b) => b.trim()).filter((b) => b !== '');
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:16379';
export const PG_URL = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:15432/gofuture';

/** null when ClickHouse answers /ping, else why not. */
export async function clickhouseProblem(url = CLICKHOUSE_URL): Promise<string | null> {
  try {
    const res = await fetch(new URL('/ping', url), { signal: AbortSignal.timeout(2_000) });
    return res.ok ? null : `HTTP ${res.status}`;
  } catch (e) {
    return e instanceof Error ? `${e.message}${e.cause instanceof Error ? `: ${e.cause.message}` : ''}` : String(e);
  }
}

/** Runs one statement over ClickHouse's HTTP interface; returns the body. */
export async function clickhouseExec(sql: string, url = CLICKHOUSE_URL): Promise<string> {
  const res = await fetch(url, { method: 'POST', body: sql, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`ClickHouse: ${text.trim()}`);
  return text;
}

/** null when something accepts TCP connections at host:port, else why not. */
export function tcpProblem(hostPort: string, timeoutMs = 2_000): Promise<string | null> {
  const i = hostPort.lastIndexOf(':');
  const host = hostPort.slice(0, i).replace(/^\[|\]$/g, '');
  const port = Number(hostPort.slice(i + 1));
  return new Promise((resolve) => {
    const s = new Socket();
    const done = (err: string | null): void => {
      s.destroy();
      resolve(err);
    };
    s.setTimeout(timeoutMs, () => done(`no answer within ${timeoutMs} ms`));
    s.once('error', (e) => done(e.message));
    s.connect(port, host, () => done(null));
  });
}

export function redisHostPort(url = REDIS_URL): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || '6379'}`;
}

/** null when PostgreSQL answers with wal_level=logical, else why not. */
export async function postgresProblem(url = PG_URL): Promise<string | null> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await c.connect();
    const r = await c.query<{ wal_level: string }>('SHOW wal_level');
    const level = r.rows[0]?.wal_level;
    return level === 'logical' ? null : `wal_level is ${level}, logical replication needs logical`;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** Runs statements on a fresh PostgreSQL connection; returns the rows of the last one. */
export async function pgExec<R extends Record<string, unknown> = Record<string, unknown>>(url: string, ...sql: string[]): Promise<R[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    let rows: R[] = [];
    for (const s of sql) rows = (await c.query<R>(s)).rows;
    return rows;
  } finally {
    await c.end();
  }
}
