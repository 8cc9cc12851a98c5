import { PlatformError } from '../../schema/errors.ts';
import type { Connector } from '../contracts/connector.ts';

/** Throws CAPABILITY_UNSUPPORTED unless `connector` declares `feature`. */
export function requireFeature(connector: Connector, feature: string): void {
  if (!connector.features.has(feature)) {
    throw new PlatformError('CAPABILITY_UNSUPPORTED', `${connector.capability}/${connector.kind} does not support ${feature}`, { feature });
  }
}
