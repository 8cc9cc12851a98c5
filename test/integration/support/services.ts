/**
 * Where the integration tests find the real services (`bash scripts/services.sh up ...`), and checks
 * that fail with a clear message when one is down: these tests never skip.
 */
import { Socket, createServer } from 'node:net';

export const KAFKA_BROKERS: readonly string[] = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',').map((b) => b.trim()).filter((b) => b !== '');
export const CLICKHOUSE_URL: string = process.env.CLICKHOUSE_URL ?? 'http://127.0.0.1:18123';
/** The Confluent-compatible API of the schema registry (Apicurio: `bash scripts/services.sh up apicurio`). */
export const SCHEMA_REGISTRY_URL: string = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:18081/apis/ccompat/v7';

function hostPort(broker: string): { host: string; port: number } {
  const i = broker.lastIndexOf(':');
  return { host: broker.slice(0, i), port: Number(broker.slice(i + 1)) };
}

function tcpReachable(host: string, port: number, timeoutMs: number): Promise<string | null> {
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

const cache = new Map<string, Promise<void>>();

/** Fails (never skips) unless a Kafka broker answers at KAFKA_BROKERS. */
export function requireKafka(): Promise<void> {
  const key = `kafka:${KAFKA_BROKERS.join(',')}`;
  let p = cache.get(key);
  if (!p) {
    p = (async () => {
      const first = KAFKA_BROKERS[0];
      if (!first) throw new Error('KAFKA_BROKERS is empty');
      const { host, port } = hostPort(first);
      const err = await tcpReachable(host, port, 2_000);
      if (err) throw new Error(`Kafka is not reachable at ${first} (${err}). Start it with \`bash scripts/services.sh up kafka\` or set KAFKA_BROKERS.`);
    })();
    cache.set(key, p);
  }
  return p;
}

/** Fails (never skips) unless ClickHouse answers /ping at CLICKHOUSE_URL. */
export function requireClickHouse(): Promise<void> {
  const key = `clickhouse:${CLICKHOUSE_URL}`;
  let p = cache.get(key);
  if (!p) {
    p = (async () => {
      let detail: string;
      try {
        const res = await fetch(new URL('/ping', CLICKHOUSE_URL), { signal: AbortSignal.timeout(2_000) });
        if (res.ok) return;
        detail = `HTTP ${res.status}`;
      } catch (e) {
        detail = e instanceof Error ? `${e.message}${e.cause instanceof Error ? `: ${e.cause.message}` : ''}` : String(e);
      }
      throw new Error(`ClickHouse is not reachable at ${CLICKHOUSE_URL} (${detail}). Start it with \`bash scripts/services.sh up clickhouse\` or set CLICKHOUSE_URL.`);
    })();
    cache.set(key, p);
  }
  return p;
}

/** Fails (never skips) unless the schema registry answers GET /subjects at SCHEMA_REGISTRY_URL. */
export function requireSchemaRegistry(): Promise<void> {
  const key = `schema-registry:${SCHEMA_REGISTRY_URL}`;
  let p = cache.get(key);
  if (!p) {
    p = (async () => {
      let detail: string;
      try {
        const res = await fetch(`${SCHEMA_REGISTRY_URL.replace(/\/+$/, '')}/subjects`, { signal: AbortSignal.timeout(5_000) });
        if (res.ok) return;
        detail = `HTTP ${res.status}`;
      } catch (e) {
        detail = e instanceof Error ? `${e.message}${e.cause instanceof Error ? `: ${e.cause.message}` : ''}` : String(e);
      }
      throw new Error(`The schema registry is not reachable at ${SCHEMA_REGISTRY_URL} (${detail}). Start it with \`bash scripts/services.sh up apicurio\` or set SCHEMA_REGISTRY_URL.`);
    })();
    cache.set(key, p);
  }
  return p;
}

/** Runs one statement on ClickHouse over plain HTTP (for test setup and cleanup), returning the body. */
export async function clickhouseExec(sql: string, database = 'default'): Promise<string> {
  const url = new URL(CLICKHOUSE_URL);
  url.searchParams.set('database', database);
  const res = await fetch(url, { method: 'POST', body: sql, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`ClickHouse: ${text.trim()}`);
  return text;
}

/** A loopback port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}
