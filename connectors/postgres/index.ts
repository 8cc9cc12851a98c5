/** The PostgreSQL connectors (services profile): the logical-replication ChangeSource. */
import type { ConnectorFactory } from '../registry.ts';
import { PgChangeSource } from './pg-change-source.ts';
import { pgChangeSourceConfigSchema } from './pg-config.ts';

export { createPgChangeSource, PgChangeSource } from './pg-change-source.ts';
export { pgChangeSourceConfigSchema, type PgChangeSourceConfig, type PgChangeSourceConfigInput } from './pg-config.ts';
export { formatLsn, parseLsn } from './pg-lsn.ts';

export const pgChangeSourceFactory: ConnectorFactory<typeof pgChangeSourceConfigSchema, PgChangeSource> = {
  capability: 'changeSource',
  kind: 'postgres',
  configSchema: pgChangeSourceConfigSchema,
  create: (config, ctx) => new PgChangeSource(config, ctx),
};
