/** The models subgraph's context: the runtime, the registries, serving (aliases, traffic, log), drift reports and a clock (shared by every request). */
import type { ModelRegistry } from '../../connectors/contracts/model-registry.ts';
import type { ModelRuntime } from '../../connectors/contracts/model-runtime.ts';
import type { ModelVersionRegistry } from '../../connectors/contracts/model-version-registry.ts';
import type { RequestInfo } from '../common/index.ts';
import type { DriftReportReader } from './drift-reports.ts';
import type { ModelServing } from './serving/model-serving.ts';

export interface ModelsContext extends RequestInfo {
  readonly runtime: ModelRuntime;
  readonly registry: ModelRegistry;
  /** The model registry of versions and aliases (registry-resolvers.ts, promoteModel). */
  readonly versions: ModelVersionRegistry;
  readonly serving: ModelServing;
  readonly now: () => number;
  /** The drift reports of the lake (`driftReports`); absent: none. */
  readonly driftReports?: DriftReportReader;
}
