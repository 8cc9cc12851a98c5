/**
 * The ModelVersionRegistry `gofuture train` registers into. Today it is the in-memory reference
 * implementation, so a CLI run's version lives only as long as the process (its artifacts are kept
 * with `--out DIR`). The file registry (embedded profile) and the MLflow REST registry (services
 * profile) are built by the `registry` work of issue 9; the lead points this function at the
 * configured one when that lands, and nothing else in the command changes.
 */
import type { ModelVersionRegistry } from '../../connectors/contracts/model-version-registry.ts';
import { createMemoryModelRegistry } from '../../connectors/embedded/memory-model-registry.ts';
import type { PlatformConfig } from '../config.ts';

export function openModelVersionRegistry(_config: Readonly<PlatformConfig>): ModelVersionRegistry {
  return createMemoryModelRegistry();
}
