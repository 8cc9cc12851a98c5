/**
 * OnlineStore: the feature store's low-latency side. Feature vectors keyed by (entity, id), with a
 * TTL, read in batches. Implementations: in-memory (embedded), Redis (ioredis, pipelined).
 */
import type { Connector } from './connector.ts';

export type FeatureValue = number | string | null;

/** Entity names every implementation accepts (a Redis key segment); anything else is BAD_USER_INPUT. */
export const ENTITY_NAME = /^[A-Za-z0-9_-]+$/;

export interface FeatureWrite {
  readonly entity: string;
  readonly id: string;
  /** Merged into the stored vector field by field. */
  readonly values: Readonly<Record<string, FeatureValue>>;
  /** The whole vector expires this long after its last write. */
  readonly ttlMs: number;
}

export interface FeatureRecord {
  readonly values: Readonly<Record<string, FeatureValue>>;
  /** Epoch ms of the last write. */
  readonly updatedAt: number;
}

export interface OnlineStore extends Connector {
  readonly capability: 'onlineStore';
  put(writes: readonly FeatureWrite[]): Promise<void>;
  /** One round trip; result i is for ids[i]; null where missing or expired. */
  getMany(entity: string, ids: readonly string[]): Promise<(FeatureRecord | null)[]>;
  delete(entity: string, ids: readonly string[]): Promise<void>;
}
