/** A started in-memory ModelVersionRegistry holding the committed models (models/registry.json) with their champions. */
import type { ModelRegistry } from '../../connectors/contracts/model-registry.ts';
import type { ModelVersionRegistry } from '../../connectors/contracts/model-version-registry.ts';
import { createMemoryModelRegistry } from '../../connectors/embedded/memory-model-registry.ts';
import { seedFromCards } from '../../connectors/support/seed-model-versions.ts';

export async function seededVersions(cards: ModelRegistry): Promise<ModelVersionRegistry> {
  const versions = createMemoryModelRegistry();
  await versions.start();
  await seedFromCards(versions, cards);
  return versions;
}
