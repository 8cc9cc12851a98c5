/**
 * Opens the configured ModelVersionRegistry (`connectors.modelVersionRegistry`: `file` in the
 * embedded profile, `mlflow` in services): validated, built and started (a fresh registry is seeded
 * from models/registry.json). Training jobs, the models subgraph and serving call this; the caller
 * closes it.
 */
import type { ConnectorContext } from '../connectors/contracts/connector.ts';
import type { ModelVersionRegistry } from '../connectors/contracts/model-version-registry.ts';
import type { PlatformConfig } from './config.ts';
import { connectorRegistry } from './connectors.ts';

export async function openModelVersionRegistry(config: Readonly<PlatformConfig>, ctx: ConnectorContext): Promise<ModelVersionRegistry> {
  const registry = connectorRegistry().create<ModelVersionRegistry>('modelVersionRegistry', config.connectors.modelVersionRegistry, ctx, 'connectors.modelVersionRegistry');
  try {
    await registry.start();
  } catch (e) {
    await registry.close();
    throw e;
  }
  return registry;
}
