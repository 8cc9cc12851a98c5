/**
 * The warehouse suite's peers: the same SQL in each engine's own client, one query at a time, timed
 * by the client itself. ClickHouse: Debian's `clickhouse-client` (native TCP, `--time` prints each
 * query's time, `--format Null` reads and drops the result). DuckDB: its own Python client (PyPI
 * `duckdb`, the same engine version as @duckdb/node-api) in a venv cached under ~/.cache/gofuture,
 * reading the same database file (read-only; our connector has it closed meanwhile).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CLICKHOUSE_URL } from '../support/services.ts';

const run = promisify(execFile);
export const DUCKDB_PY_VERSION = '1.5.5';
const VENV = path.join(os.homedir(), '.cache', 'gofuture', `duckdb-py-${DUCKDB_PY_VERSION}`);

/** ClickHouse's native port: CLICKHOUSE_TCP_PORT, else the services default beside the HTTP one. */
export function clickhouseTcpPort(): number {
  if (process.env.CLICKHOUSE_TCP_PORT) return Number(process.env.CLICKHOUSE_TCP_PORT);
  return Number(new URL(CLICKHOUSE_URL).port) === 18123 ? 19000 : Number(new URL(CLICKHOUSE_URL).port) + 1;
}

/** `warm` untimed then `n` timed runs of `sql` in one clickhouse-client process: ms per query. */
export async function clickhouseClient(database: string, sql: string, warm: number, n: number): Promise<number[]> {
  const host = new URL(CLICKHOUSE_URL).hostname;
  const queries = Array.from({ length: warm + n }, () => sql).join(';\n');
  const { stderr } = await run('clickhouse-client', ['--host', host, '--port', String(clickhouseTcpPort()), '--database', database, '--multiquery', '--time', '--format', 'Null', '--query', queries], { maxBuffer: 16 << 20 });
  const times = stderr.split('\n').map((l) => l.trim()).filter((l) => /^\d+(\.\d+)?$/.test(l)).map((l) => Number(l) * 1000);
  if (times.length !== warm + n) throw new Error(`clickhouse-client printed ${times.length} times for ${warm + n} queries: ${stderr.slice(0, 300)}`);
  return times.slice(warm);
}

/** One statement in clickhouse-client, no time limit (a 10M-row INSERT ... SELECT on a loaded machine outlasts HTTP timeouts). */
export async function clickhouseLong(sql: string): Promise<void> {
  const host = new URL(CLICKHOUSE_URL).hostname;
  await run('clickhouse-client', ['--host', host, '--port', String(clickhouseTcpPort()), '--receive_timeout', '3600', '--send_timeout', '3600', '--query', sql], { maxBuffer: 16 << 20 });
}

/** The venv with PyPI duckdb (created once); its python, or why not. */
export async function duckdbPython(): Promise<{ python: string | null; problem: string | null }> {
  const python = path.join(VENV, 'bin', 'python');
  try {
    if (!existsSync(python)) await run('python3', ['-m', 'venv', VENV]);
    const check = await run(python, ['-c', 'import duckdb; print(duckdb.__version__)']).catch(() => null);
    if (check?.stdout.trim() !== DUCKDB_PY_VERSION) {
      await run(python, ['-m', 'pip', 'install', '-q', '--disable-pip-version-check', '--no-input', `duckdb==${DUCKDB_PY_VERSION}`], { timeout: 600_000 });
    }
    return { python, problem: null };
  } catch (e) {
    return { python: null, problem: e instanceof Error ? e.message.slice(0, 300) : String(e) };
  }
}

const PY = `
import duckdb, json, sys, time
path, sql, warm, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
con = duckdb.connect(path, read_only=True)
con.execute("SET TimeZone = 'UTC'")
for _ in range(warm): con.execute(sql).fetchall()
out = []
for _ in range(n):
    t = time.perf_counter(); rows = con.execute(sql).fetchall(); out.append((time.perf_counter() - t) * 1000)
print(json.dumps({"ms": out, "rows": len(rows)}))
`;

/** `warm` untimed then `n` timed runs of `sql` in DuckDB's Python client on `file`: ms per query. */
export async function duckdbClient(python: string, file: string, sql: string, warm: number, n: number): Promise<{ ms: number[]; rows: number }> {
  const { stdout } = await run(python, ['-c', PY, file, sql, String(warm), String(n)], { maxBuffer: 16 << 20, timeout: 600_000 });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { ms: number[]; rows: number };
}
