/** The local-disk LakeStore (embedded default). */
import type { ConnectorFactory } from '../registry.ts';
import { LocalLakeStore, localLakeStoreConfigSchema } from './local-lake-store.ts';

export { createLocalLakeStore, LocalLakeStore, localLakeStoreConfigSchema, type LocalLakeStoreConfig } from './local-lake-store.ts';

export const localLakeStoreFactory: ConnectorFactory<typeof localLakeStoreConfigSchema, LocalLakeStore> = {
  capability: 'lakeStore',
  kind: 'local',
  configSchema: localLakeStoreConfigSchema,
  create: (config, ctx) => new LocalLakeStore(config, ctx),
};
