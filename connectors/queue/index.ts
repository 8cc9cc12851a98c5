/** TaskQueue implementations: `local` (embedded, state in the data dir) and `pg-boss` (PostgreSQL). */
import type { ConnectorFactory } from '../registry.ts';
import { LocalTaskQueue, localTaskQueueConfigSchema } from './local-task-queue.ts';
import { PgBossTaskQueue, pgBossTaskQueueConfigSchema } from './pg-boss-task-queue.ts';

export { LocalTaskQueue, PgBossTaskQueue };

export const localTaskQueueFactory: ConnectorFactory<typeof localTaskQueueConfigSchema, LocalTaskQueue> = {
  capability: 'taskQueue',
  kind: 'local',
  configSchema: localTaskQueueConfigSchema,
  create: (config, ctx) => new LocalTaskQueue(config, ctx),
};

export const pgBossTaskQueueFactory: ConnectorFactory<typeof pgBossTaskQueueConfigSchema, PgBossTaskQueue> = {
  capability: 'taskQueue',
  kind: 'pg-boss',
  configSchema: pgBossTaskQueueConfigSchema,
  create: (config, ctx) => new PgBossTaskQueue(config, ctx),
};
