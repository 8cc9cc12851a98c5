/** The models subgraph's context: the runtime, the registry, serving (aliases, traffic, log) and a clock (shared by every request). */
import type { ModelRegistry } from '../../connectors/contracts/model-registry.ts';
import type { ModelRuntime } from '../../connectors/contracts/model-runtime.ts';
import type { RequestInfo } from '../common/index.ts';
import type { ModelServing } from './serving/model-serving.ts';

export interface ModelsContext extends RequestInfo {
  readonly runtime: ModelRuntime;
  readonly registry: ModelRegistry;
  readonly serving: ModelServing;
  readonly now: () => number;
}
