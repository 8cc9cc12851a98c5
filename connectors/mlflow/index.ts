/** The MLflow ModelVersionRegistry (services profile): MLflow's REST API on a tracking server. */
import type { ConnectorFactory } from '../registry.ts';
import { mlflowModelRegistryConfigSchema } from './mlflow-config.ts';
import { MlflowModelRegistry } from './mlflow-model-registry.ts';

export { MlflowModelRegistry } from './mlflow-model-registry.ts';
export { mlflowModelRegistryConfigSchema, type MlflowModelRegistryConfig } from './mlflow-config.ts';

export const mlflowModelRegistryFactory: ConnectorFactory<typeof mlflowModelRegistryConfigSchema, MlflowModelRegistry> = {
  capability: 'modelVersionRegistry',
  kind: 'mlflow',
  configSchema: mlflowModelRegistryConfigSchema,
  create: (config, ctx) => new MlflowModelRegistry(config, ctx),
};
