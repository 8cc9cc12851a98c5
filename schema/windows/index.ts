/** Window specs: the shape, the dimensions, validation and the catalogue of specs the platform ships. */
import { REGION_SPECS } from './region-specs.ts';
import { RIDER_SESSIONS, SEED_001_SPECS } from './seed-001-specs.ts';
import type { WindowSpecInput } from './window-spec.ts';

export * from './window-spec.ts';
export { DIMENSIONS, dimensionValue, fieldValue } from './dimensions.ts';
export { parseWindowSpec, parseWindowSpecs } from './validate-specs.ts';
export { REGION_SPECS, REGION_LATENESS_GROUP, regionSpecs } from './region-specs.ts';
export { SEED_001_SPECS, RIDER_SESSIONS } from './seed-001-specs.ts';

/** Every spec the platform ships, by name (config `windows.specs` picks from these). */
export const SPEC_CATALOGUE: readonly WindowSpecInput[] = [...SEED_001_SPECS, RIDER_SESSIONS, ...REGION_SPECS];

/** The specs the windows job runs when config names none: seed 001's and the session example. */
export const DEFAULT_SPEC_NAMES: readonly string[] = [...SEED_001_SPECS, RIDER_SESSIONS].map((s) => s.name);
