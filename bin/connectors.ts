/** Builds the configured connectors from the registry of every implementation we ship. */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { ConnectorRegistry } from '../connectors/registry.ts';
import type { Connector } from '../connectors/contracts/connector.ts';
import type { EventLog } from '../connectors/contracts/event-log.ts';
import type { Warehouse } from '../connectors/contracts/warehouse.ts';
import type { OnlineStore } from '../connectors/contracts/online-store.ts';
import type { PubSub } from '../connectors/contracts/pub-sub.ts';
import type { ModelRuntime } from '../connectors/contracts/model-runtime.ts';
import type { LakeStore } from '../connectors/contracts/lake-store.ts';
import { localLakeStoreFactory } from '../connectors/lake/index.ts';
import { registerEmbeddedConnectors } from '../connectors/embedded/index.ts';
import { onnxModelRuntimeFactory } from '../connectors/onnx/index.ts';
import { registerServiceConnectors } from './service-connectors.ts';
import { tracedConnector } from '../connectors/support/tracing.ts';
import type { PlatformConfig } from './config.ts';

export interface PlatformConnectors {
  readonly eventLog: EventLog;
  readonly warehouse: Warehouse;
  readonly onlineStore: OnlineStore;
  readonly pubSub: PubSub;
  readonly modelRuntime: ModelRuntime;
  /** Not in connectorList: started by the lake jobs that use it (so a process without them needs no S3). */
  readonly lakeStore: LakeStore;
}

export function connectorRegistry(): ConnectorRegistry {
  const registry = new ConnectorRegistry();
  registerEmbeddedConnectors(registry);
  registry.register(onnxModelRuntimeFactory);
  registry.register(localLakeStoreFactory);
  registerServiceConnectors(registry);
  return registry;
}

/** Validates every connector's config first (so a bad value fails before anything starts), then builds them. */
export function buildConnectors(config: Readonly<PlatformConfig>, logger: Logger, metrics: Registry): PlatformConnectors {
  const registry = connectorRegistry();
  const ctx = (name: string) => ({ logger: logger.child({ connector: name }), metrics });
  const c = config.connectors;
  // tracing on: calls made inside a traced request become its spans (connectors/support/tracing.ts)
  const t = <C extends Connector>(connector: C): C => (config.tracing.enabled ? tracedConnector(connector) : connector);
  return {
    eventLog: t(registry.create<EventLog>('eventLog', c.eventLog, ctx('eventLog'), 'connectors.eventLog')),
    warehouse: t(registry.create<Warehouse>('warehouse', c.warehouse, ctx('warehouse'), 'connectors.warehouse')),
    onlineStore: t(registry.create<OnlineStore>('onlineStore', c.onlineStore, ctx('onlineStore'), 'connectors.onlineStore')),
    pubSub: registry.create<PubSub>('pubSub', c.pubSub, ctx('pubSub'), 'connectors.pubSub'),
    modelRuntime: t(registry.create<ModelRuntime>('modelRuntime', c.modelRuntime, ctx('modelRuntime'), 'connectors.modelRuntime')),
    lakeStore: registry.create<LakeStore>('lakeStore', c.lakeStore, ctx('lakeStore'), 'connectors.lakeStore'),
  };
}

export function connectorList(c: PlatformConnectors): Connector[] {
  return [c.eventLog, c.warehouse, c.onlineStore, c.pubSub, c.modelRuntime];
}
