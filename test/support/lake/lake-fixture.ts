/** A local LakeStore + LakeTables + DuckDB connection in a temp folder, for lake tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { LakeStore } from '../../../connectors/contracts/lake-store.ts';
import { createLocalLakeStore } from '../../../connectors/lake/index.ts';
import { openLake, type LakeTables } from '../../../jobs/lake/delta/index.ts';

export interface LakeFixture {
  readonly root: string;
  readonly lakeRoot: string;
  readonly store: LakeStore;
  readonly lake: LakeTables;
  readonly conn: DuckDBConnection;
  /** A second LakeTables over the same store (another process's view). */
  reopen(): LakeTables;
  close(): Promise<void>;
}

export async function lakeFixture(): Promise<LakeFixture> {
  const root = mkdtempSync(join(tmpdir(), 'gofuture-lake-test-'));
  const lakeRoot = join(root, 'lake');
  const store = createLocalLakeStore({ root: lakeRoot }, { logger: pino({ level: 'silent' }), metrics: new Registry() });
  await store.start();
  const lake = openLake(store, { scratchDir: join(root, 'scratch') });
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  await conn.run("SET TimeZone = 'UTC'");
  const others: LakeTables[] = [];
  return {
    root, lakeRoot, store, lake, conn,
    reopen: () => {
      const l = openLake(store, { scratchDir: join(root, `scratch-${others.length + 1}`) });
      others.push(l);
      return l;
    },
    close: async () => {
      conn.closeSync();
      instance.closeSync();
      await lake.close();
      for (const l of others) await l.close();
      await store.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export async function query(conn: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  return (await conn.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
}
