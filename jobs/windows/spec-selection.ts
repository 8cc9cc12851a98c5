/** Which specs a windows-job member runs, and the consumer group that follows from them. */
import { createHash } from 'node:crypto';
import { PlatformError } from '../../schema/errors.ts';
import { parseWindowSpecs, SPEC_CATALOGUE, type WindowSpec } from '../../schema/windows/index.ts';
import type { WindowsConfig } from './config.ts';
import { specFingerprint } from './window-engine.ts';

/** The member (0..count-1) that runs a spec: a stable hash of its name. */
export const memberOf = (specName: string, count: number): number => createHash('sha256').update(specName).digest().readUInt32BE(0) % count;

/** Every spec named or given in config, validated (names unique). */
export function configuredSpecs(config: Pick<WindowsConfig, 'specs' | 'extraSpecs'>): WindowSpec[] {
  const byName = new Map(SPEC_CATALOGUE.map((s) => [s.name, s]));
  const named = config.specs.map((n) => {
    const s = byName.get(n);
    if (!s) throw new PlatformError('CONFIG_INVALID', `invalid config at windows.specs: unknown spec "${n}" (known: ${[...byName.keys()].join(', ')})`, { path: 'windows.specs' });
    return s;
  });
  return parseWindowSpecs([...named, ...config.extraSpecs]);
}

/** What is distributed across members: a spec, or a whole lateness group (its specs decide together). */
export const unitOf = (spec: WindowSpec): string => (spec.latenessGroup === undefined ? spec.name : `lateness-group:${spec.latenessGroup}`);

/** The specs this member runs. */
export function memberSpecs(config: WindowsConfig): WindowSpec[] {
  return configuredSpecs(config).filter((s) => memberOf(unitOf(s), config.member.count) === config.member.index);
}

/** The consumer group: the configured one, else one named after the specs' fingerprints. */
export function groupIdOf(config: WindowsConfig, specs: readonly WindowSpec[]): string {
  if (config.groupId) return config.groupId;
  const h = createHash('sha256').update(specs.map((s) => `${s.name}:${specFingerprint(s)}`).sort().join(',')).digest('hex').slice(0, 12);
  return `stream-windows-${h}`;
}
