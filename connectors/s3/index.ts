/** The S3 LakeStore (services profile). */
import type { ConnectorFactory } from '../registry.ts';
import { s3LakeStoreConfigSchema } from './s3-config.ts';
import { S3LakeStore } from './s3-lake-store.ts';

export { S3LakeStore } from './s3-lake-store.ts';
export { s3LakeStoreConfigSchema, type S3LakeStoreConfig } from './s3-config.ts';

export const s3LakeStoreFactory: ConnectorFactory<typeof s3LakeStoreConfigSchema, S3LakeStore> = {
  capability: 'lakeStore',
  kind: 's3',
  configSchema: s3LakeStoreConfigSchema,
  create: (config, ctx) => new S3LakeStore(config, ctx),
};
