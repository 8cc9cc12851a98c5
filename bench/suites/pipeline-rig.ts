/**
 * One path of the pipeline suite on the real services, everything named per run so nothing is
 * shared with other users of the same Kafka / ClickHouse / Redis / PostgreSQL:
 *   Kafka (topics and groups prefixed) -> aggregation job -> ClickHouse (own database) + Redis
 *   PubSub (own channel prefix) -> metrics subgraph -> gateway (graphql-ws subscriptions);
 * and, for the CDC path, PostgreSQL (own schemas, slot, publication) -> pg change source -> CDC job
 * in front of it. close() stops it all and deletes what it created (topics, groups, database,
 * slot, publication, schemas).
 */
import { Kafka, logLevel } from 'kafkajs';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import type { PubSub } from '../../connectors/contracts/pub-sub.ts';
import type { Warehouse } from '../../connectors/contracts/warehouse.ts';
import { createClickHouseWarehouse } from '../../connectors/clickhouse/index.ts';
import { createKafkaEventLog } from '../../connectors/kafka/index.ts';
import type { KafkaEventLogConfigInput } from '../../connectors/kafka/kafka-config.ts';
import { createPgChangeSource, type PgChangeSource } from '../../connectors/postgres/index.ts';
import { createRedisPubSub } from '../../connectors/redis/index.ts';
import { startGateway, type RunningGateway } from '../../gateway/server.ts';
import { startAggregationJob, type AggregationJob } from '../../jobs/aggregation/index.ts';
import type { AggregationConfigInput } from '../../jobs/aggregation/config.ts';
import { startCdcJob, type CdcJob } from '../../jobs/cdc/index.ts';
import { createSourceWriter, type SourceWriter } from '../../jobs/sources/index.ts';
import { changeTopic } from '../../schema/events/debezium.ts';
import { capturedTables } from '../../schema/sources/source-tables.ts';
import type { SubgraphServer } from '../../subgraphs/common/index.ts';
import { startMetricsSubgraph } from '../../subgraphs/metrics/index.ts';
import { benchAuth, type BenchAuth } from '../support/auth.ts';
import { NamespacedEventLog } from '../support/namespaced-event-log.ts';
import { CLICKHOUSE_URL, clickhouseExec, KAFKA_BROKERS, PG_URL, pgExec, REDIS_URL } from '../support/services.ts';
import { sleep } from '../support/stats.ts';

export type PathKind = 'cdc' | 'direct';

export interface Rig {
  readonly kind: PathKind;
  readonly log: NamespacedEventLog;
  readonly warehouse: Warehouse;
  readonly aggregation: AggregationJob;
  readonly gatewayUrl: string;
  /** Auth is on (production): the gateway checks tokens minted here, the metrics subgraph its HMAC signature. */
  readonly auth: BenchAuth;
  /** CDC path only: writes source rows + outbox in PostgreSQL. */
  readonly writer: SourceWriter | null;
  /** CDC path only: the running CDC job (null while stopped or on the direct path). */
  cdc(): CdcJob | null;
  /** CDC path only: stops the CDC job (the slot keeps its confirmed position) / starts a new one that resumes there. */
  stopCdc(): Promise<void>;
  startCdc(): Promise<void>;
  /** Warehouse.insert() calls by table since the rig started: calls, rows, milliseconds (the aggregation's writes). */
  readonly inserts: ReadonlyMap<string, { calls: number; rows: number; ms: number }>;
  readonly names: { readonly topicPrefix: string; readonly database: string; readonly schemaPrefix: string | null; readonly slot: string | null };
  close(): Promise<void>;
}

const CDC_TOPIC_PREFIX = 'cdc';
const CHANGE_TOPIC_PARTITIONS = 6;

/** Drops the slot once its walsender has let go of it (the source was just closed). */
async function dropSlot(slot: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const r = await pgExec<{ active: boolean }>(PG_URL, `SELECT active FROM pg_replication_slots WHERE slot_name = '${slot}'`);
    if (!r[0]) return;
    if (!r[0].active) {
      await pgExec(PG_URL, `SELECT pg_drop_replication_slot('${slot}')`);
      return;
    }
    await sleep(100);
  }
  throw new Error(`replication slot ${slot} still active after 10 s: drop it by hand`);
}

async function deleteKafkaNames(topics: readonly string[], groups: readonly string[]): Promise<void> {
  const admin = new Kafka({ clientId: 'gofuture-bench-cleanup', brokers: [...KAFKA_BROKERS], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    if (groups.length > 0) await admin.deleteGroups([...groups]).catch(() => undefined);
    if (topics.length > 0) await admin.deleteTopics({ topics: [...topics], timeout: 10_000 });
  } finally {
    await admin.disconnect();
  }
}

/** Options of a rig: `tag` names it apart from other rigs of the run; `aggregation` overrides the job's config. */
export interface RigOptions {
  readonly tag?: string;
  readonly aggregation?: AggregationConfigInput;
  /** Overrides of the Kafka event log's config (e.g. fetchMinBytes). */
  readonly kafka?: Partial<KafkaEventLogConfigInput>;
}

export async function startRig(kind: PathKind, runId: string, logger: Logger, options: RigOptions = {}): Promise<Rig> {
  const tag = `${runId}_${kind}${options.tag ? `_${options.tag}` : ''}`;
  const names = {
    topicPrefix: `gfbench-${runId}-${kind}${options.tag ? `-${options.tag}` : ''}.`,
    database: `gf_bench_${tag}`,
    channelPrefix: `gofuture:bench:${tag}:`,
    schemaPrefix: kind === 'cdc' ? `gfb_${tag}_` : null,
    slot: kind === 'cdc' ? `gfb_${tag}_slot` : null,
    publication: kind === 'cdc' ? `gfb_${tag}_pub` : null,
  };
  const ctx = () => ({ logger, metrics: new Registry() });
  const auth = benchAuth();
  const undo: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    const errors: unknown[] = [];
    for (const step of undo.reverse()) await step().catch((e: unknown) => errors.push(e));
    undo.length = 0;
    if (errors.length > 0) throw errors[0];
  };
  try {
    const log = new NamespacedEventLog(createKafkaEventLog({ brokers: [...KAFKA_BROKERS], clientId: `gofuture-bench-${kind}`, ...options.kafka }, ctx()), names.topicPrefix);
    await log.start();
    undo.push(async () => {
      await log.close();
      const { topics, groups } = log.created();
      await deleteKafkaNames(topics, groups);
    });
    const warehouse = createClickHouseWarehouse({ url: CLICKHOUSE_URL, database: names.database }, ctx());
    await warehouse.start();
    const inserts = new Map<string, { calls: number; rows: number; ms: number }>();
    const insert = warehouse.insert.bind(warehouse);
    warehouse.insert = async (table, rows) => {
      const t0 = performance.now();
      try {
        return await insert(table, rows);
      } finally {
        const s = inserts.get(table) ?? { calls: 0, rows: 0, ms: 0 };
        inserts.set(table, { calls: s.calls + 1, rows: s.rows + rows.length, ms: s.ms + performance.now() - t0 });
      }
    };
    undo.push(async () => {
      await warehouse.close();
      await clickhouseExec(`DROP DATABASE IF EXISTS ${names.database}`);
    });
    const pubsub: PubSub = createRedisPubSub({ url: REDIS_URL, channelPrefix: names.channelPrefix, clientName: `gofuture-bench-${kind}` }, ctx());
    await pubsub.start();
    undo.push(() => pubsub.close());

    // running windows published on every change: the latency measured is the pipeline's, not the
    // dashboards' 1 s coalescing (publishIntervalMs, the same on both paths)
    const aggregation = await startAggregationJob({ log, warehouse, pubsub, logger, metrics: new Registry(), config: options.aggregation ?? { publishIntervalMs: 0 } });
    undo.push(() => aggregation.stop());
    const metrics: SubgraphServer = await startMetricsSubgraph({ warehouse, pubsub, logger, port: 0, production: true, signature: auth.signature });
    undo.push(() => metrics.close());
    const gateway: RunningGateway = await startGateway({
      supergraph: { kind: 'subgraphs', subgraphs: [{ name: 'metrics', url: metrics.url }] },
      port: 0,
      logger,
      production: true,
      registry: new Registry(),
      auth: auth.config,
    });
    undo.push(() => gateway.close());

    let writer: SourceWriter | null = null;
    let cdc: CdcJob | null = null;
    let startCdc = async (): Promise<void> => undefined;
    const stopCdc = async (): Promise<void> => {
      const job = cdc;
      cdc = null;
      await job?.stop();
    };
    if (kind === 'cdc' && names.schemaPrefix && names.slot && names.publication) {
      const { schemaPrefix, slot, publication } = names;
      const tables = capturedTables(schemaPrefix);
      undo.push(async () => {
        await dropSlot(slot);
        await pgExec(PG_URL, `DELETE FROM public._gofuture_cdc_state WHERE slot = '${slot}'`).catch(() => undefined);
        await pgExec(PG_URL, `DROP PUBLICATION IF EXISTS "${publication}"`);
        const schemas = [...new Set(tables.map((t) => t.split('.')[0] as string))];
        for (const s of schemas) await pgExec(PG_URL, `DROP SCHEMA IF EXISTS "${s}" CASCADE`);
      });
      writer = createSourceWriter({ pgUrl: PG_URL, logger, schemaPrefix, batchSize: 100 });
      const w = writer;
      undo.push(() => w.close());
      await writer.migrate();
      // the change topics exist before the clock starts, as in a deployment
      await log.ensureTopics(tables.map((t) => {
        const [schema, table] = t.split('.') as [string, string];
        return { name: changeTopic(CDC_TOPIC_PREFIX, schema, table), partitions: CHANGE_TOPIC_PARTITIONS, keyField: 'primary key', retentionMs: 86_400_000, compression: 'none' as const };
      }));
      const source: PgChangeSource = createPgChangeSource({ url: PG_URL, slot, publication, tables, snapshot: 'never', statusIntervalMs: 1000 }, ctx());
      undo.push(() => source.close());
      const cdcMetrics = new Registry();
      startCdc = async () => {
        if (cdc) return;
        cdc = await startCdcJob({ source, log, logger, metrics: cdcMetrics, topicPrefix: CDC_TOPIC_PREFIX, changeTopicPartitions: CHANGE_TOPIC_PARTITIONS });
      };
      undo.push(stopCdc);
      await startCdc();
    }
    return {
      kind, log, warehouse, aggregation, inserts, gatewayUrl: gateway.url, auth, writer, cdc: () => cdc, stopCdc, startCdc: () => startCdc(),
      names: { topicPrefix: names.topicPrefix, database: names.database, schemaPrefix: names.schemaPrefix, slot: names.slot },
      close,
    };
  } catch (e) {
    await close().catch(() => undefined);
    throw e;
  }
}
