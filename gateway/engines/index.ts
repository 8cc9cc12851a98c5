/** The gateway engines by kind (contract: engine.ts). */
import type { GatewayEngine, GatewayEngineKind } from './engine.ts';
import { hiveRouterEngine } from './hive-router-engine.ts';
import { nodeEngine } from './node-engine.ts';

export type { EngineOptions, GatewayEngine, GatewayEngineKind, RunningEngine } from './engine.ts';
export { hiveRouterAvailable, hiveRouterBinary, HIVE_ROUTER_VERSION } from './hive-router-engine.ts';
export { GATEWAY_TOKEN_HEADER, routerConfigOf } from './hive-router-config.ts';

export const GATEWAY_ENGINES: Readonly<Record<GatewayEngineKind, GatewayEngine>> = { node: nodeEngine, 'hive-router': hiveRouterEngine };
