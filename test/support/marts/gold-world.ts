/**
 * A lake with simulated bronze (Delta tables in a local LakeStore, one per topic, as the bronze job
 * writes them), the real pipeline on the lake backend, and a warehouse the marts are published to.
 * `publish(day)` runs daily_etl for the day; `gold(model, day)` reads the gold Delta table straight
 * from its snapshot's Parquet files (the recount the served marts are compared with).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { Warehouse } from '../../../connectors/contracts/warehouse.ts';
import { LocalTaskQueue } from '../../../connectors/queue/index.ts';
import { commitQuery, resolveRelation } from '../../../jobs/lake/delta/index.ts';
import { LakeModelBackend } from '../../../jobs/models-sql/lake-backend.ts';
import { createPipeline, type Pipeline } from '../../../jobs/orchestrator/index.ts';
import { lakeFixture, query, type LakeFixture } from '../lake/lake-fixture.ts';
import { bronzeTable, simulatedBronze, type BronzeRow } from '../pipeline/bronze-fixture.ts';

const MODELS = join(import.meta.dirname, '..', '..', '..', 'lake', 'models');

export interface GoldWorld {
  readonly fx: LakeFixture;
  readonly pipeline: Pipeline;
  readonly warehouse: Warehouse;
  publish(day: string): Promise<void>;
  /** Rows of gold model `model` for `day`, from its Delta snapshot, metric_date as YYYY-MM-DD. */
  gold(model: string, day: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

async function writeBronze(fx: LakeFixture, rows: readonly BronzeRow[]): Promise<void> {
  for (const topic of [...new Set(rows.map((r) => r.topic))]) {
    const file = join(fx.root, `bronze-${topic}.jsonl`);
    await writeFile(file, rows.filter((r) => r.topic === topic).map((r) => JSON.stringify(r)).join('\n'), 'utf8');
    const sql = `SELECT topic, "partition", CAST("offset" AS BIGINT) AS "offset", "key", "value", headers,
        make_timestamptz(CAST("timestamp" AS BIGINT) * 1000) AS record_timestamp, make_timestamptz(CAST(ingest_time AS BIGINT) * 1000) AS ingested_at, ingest_date
      FROM read_json('${file}', format = 'newline_delimited', columns = {'topic': 'VARCHAR', 'partition': 'INTEGER', 'offset': 'VARCHAR', 'key': 'VARCHAR', 'value': 'VARCHAR', 'headers': 'VARCHAR', 'timestamp': 'BIGINT', 'ingest_time': 'BIGINT', 'ingest_date': 'DATE'})`;
    await commitQuery(fx.conn, fx.lake, bronzeTable(topic), sql, { mode: 'append', partitionBy: ['ingest_date'] });
  }
}

/** `warehouse` is started by the caller and closed by it. */
export async function goldWorld(warehouse: Warehouse, o: { startTime: number; minutes: number }): Promise<GoldWorld> {
  const fx = await lakeFixture();
  const logger = pino({ level: 'silent' });
  const metrics = new Registry();
  const queue = new LocalTaskQueue({ maxHistory: 5000 }, { logger, metrics });
  await queue.start();
  await writeBronze(fx, await simulatedBronze(o));
  const backend = new LakeModelBackend({ lake: fx.lake, api: { resolveRelation, commitQuery }, conn: fx.conn });
  const pipeline = await createPipeline({ modelsDir: MODELS, workerConcurrency: 1 }, { queue, backend, warehouse, logger, metrics });
  await pipeline.startWorker();
  return {
    fx, pipeline, warehouse,
    publish: async (day) => {
      await pipeline.orchestrator.trigger('daily_etl', day);
      const s = await pipeline.orchestrator.waitFor('daily_etl', day);
      if (s.state !== 'succeeded') throw new Error(`daily_etl ${day}: ${s.state} ${JSON.stringify(s.tasks.map((t) => [t.task, t.state, t.error]))}`);
    },
    gold: async (model, day) => {
      const rel = await resolveRelation(fx.lake, model);
      return query(fx.conn, `SELECT * REPLACE (strftime(metric_date, '%Y-%m-%d') AS metric_date) FROM ${rel.sql} AS g WHERE g.metric_date = DATE '${day}'`);
    },
    close: async () => {
      await pipeline.stop();
      await queue.close();
      await fx.close();
    },
  };
}
