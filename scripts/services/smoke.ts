// Smoke check of the services that `scripts/services.sh up` starts, with the clients the connectors
// use (kafkajs, @clickhouse/client, ioredis, pg). Reads the env line `up` prints.
//
//   eval "$(scripts/services.sh up)" && node scripts/services/smoke.ts [kafka clickhouse redis postgres]
//
// Exits non-zero on the first failed check. Leaves nothing behind: the topic, table, key and
// replication slot it makes are dropped again.
import { createClient } from '@clickhouse/client';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';

const env = process.env;
const suffix = `${process.pid}_${Date.now()}`;

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`check failed: ${what}`);
}

async function kafka(): Promise<string> {
  const brokers = (env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');
  const client = new Kafka({ clientId: 'services-smoke', brokers, logLevel: logLevel.NOTHING });
  const admin = client.admin();
  const producer = client.producer();
  const topic = `services-smoke-${suffix}`;
  await admin.connect();
  try {
    check(await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true }), 'topic created');
    check((await admin.listTopics()).includes(topic), 'topic listed');
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    const partitions = meta.topics[0]?.partitions.length ?? 0;
    check(partitions === 3, `3 partitions (got ${partitions})`);
    await producer.connect();
    const [sent] = await producer.send({ topic, messages: [{ key: 'k', value: 'v', partition: 2 }] });
    check(sent?.partition === 2, 'message written to partition 2');
    const offsets = await admin.fetchTopicOffsets(topic);
    check(offsets.find((o) => o.partition === 2)?.high === '1', 'high watermark of partition 2 is 1');
    await admin.deleteTopics({ topics: [topic] });
    return `topic with ${partitions} partitions created, listed, written, deleted`;
  } finally {
    await producer.disconnect();
    await admin.disconnect();
  }
}

async function clickhouse(): Promise<string> {
  const client = createClient({ url: env.CLICKHOUSE_URL ?? 'http://127.0.0.1:18123' });
  const table = `gofuture.services_smoke_${suffix}`;
  try {
    const version = await (await client.query({ query: 'SELECT version() AS v', format: 'JSONEachRow' })).json<{ v: string }>();
    await client.command({ query: `CREATE TABLE ${table} (id UInt32, name String) ENGINE = MergeTree ORDER BY id` });
    await client.insert({ table, values: [{ id: 1, name: 'a' }, { id: 2, name: 'b' }], format: 'JSONEachRow' });
    const rows = await (await client.query({ query: `SELECT count() AS n FROM ${table}`, format: 'JSONEachRow' })).json<{ n: string | number }>();
    check(Number(rows[0]?.n) === 2, `2 rows read back (got ${JSON.stringify(rows)})`);
    await client.command({ query: `DROP TABLE ${table}` });
    return `version ${version[0]?.v ?? '?'}; table created, 2 rows inserted and counted, dropped`;
  } finally {
    await client.close();
  }
}

async function redis(): Promise<string> {
  const client = new Redis(env.REDIS_URL ?? 'redis://127.0.0.1:16379', { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  try {
    check((await client.ping()) === 'PONG', 'PING answers PONG');
    const key = `services-smoke:${suffix}`;
    await client.set(key, 'v', 'EX', 60);
    check((await client.get(key)) === 'v', 'SET then GET');
    await client.del(key);
    const info = await client.info('server');
    return `PONG; redis ${/redis_version:(\S+)/.exec(info)?.[1] ?? '?'}`;
  } finally {
    client.disconnect();
  }
}

async function postgres(): Promise<string> {
  const client = new pg.Client({ connectionString: env.PG_URL ?? 'postgres://postgres@127.0.0.1:15432/gofuture' });
  await client.connect();
  const slot = `services_smoke_${suffix}`;
  try {
    const wal = await client.query<{ wal_level: string }>('SHOW wal_level');
    check(wal.rows[0]?.wal_level === 'logical', `wal_level is logical (got ${wal.rows[0]?.wal_level})`);
    const limits = await client.query<{ name: string; setting: string }>(
      "SELECT name, setting FROM pg_settings WHERE name IN ('max_replication_slots', 'max_wal_senders')",
    );
    for (const row of limits.rows) check(Number(row.setting) >= 10, `${row.name} >= 10 (got ${row.setting})`);
    const made = await client.query<{ slot_name: string }>(
      "SELECT slot_name FROM pg_create_logical_replication_slot($1, 'pgoutput')",
      [slot],
    );
    check(made.rows[0]?.slot_name === slot, 'pgoutput logical slot created');
    await client.query('SELECT pg_drop_replication_slot($1)', [slot]);
    const version = await client.query<{ server_version: string }>('SHOW server_version');
    return `postgres ${version.rows[0]?.server_version ?? '?'}; wal_level=logical; pgoutput slot created and dropped`;
  } finally {
    await client.end();
  }
}

const checks: Record<string, () => Promise<string>> = { kafka, clickhouse, redis, postgres };
const names = process.argv.slice(2);
for (const name of names.length > 0 ? names : Object.keys(checks)) {
  const run = checks[name];
  if (run === undefined) throw new Error(`unknown service ${name}`);
  const started = performance.now();
  const said = await run();
  console.log(`${name}: ok in ${Math.round(performance.now() - started)} ms: ${said}`);
}
