/** The models subgraph's context: the runtime, the registries and a clock (shared by every request). */
import type { ModelRegistry } from '../../connectors/contracts/model-registry.ts';
import type { ModelRuntime } from '../../connectors/contracts/model-runtime.ts';
import type { ModelVersionRegistry } from '../../connectors/contracts/model-version-registry.ts';
import type { RequestInfo } from '../common/index.ts';
import type { DriftReportReader } from './drift-reports.ts';

export interface ModelsContext extends RequestInfo {
  readonly runtime: ModelRuntime;
  readonly registry: ModelRegistry;
  /** The model registry of versions and aliases (registry-resolvers.ts, promoteModel). */
  readonly versions: ModelVersionRegistry;
  readonly now: () => number;
  /** The drift reports of the lake (`driftReports`); absent: none. */
  readonly driftReports?: DriftReportReader;
}
