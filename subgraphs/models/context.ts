/** The models subgraph's context: the runtime, the registry and a clock (shared by every request). */
import type { ModelRegistry } from '../../connectors/contracts/model-registry.ts';
import type { ModelRuntime } from '../../connectors/contracts/model-runtime.ts';
import type { RequestInfo } from '../common/index.ts';

export interface ModelsContext extends RequestInfo {
  readonly runtime: ModelRuntime;
  readonly registry: ModelRegistry;
  readonly now: () => number;
}
