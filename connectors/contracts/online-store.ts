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
  /**
   * True when every acknowledged put survives a crash of this process (Redis). False for the
   * embedded in-memory store, which keeps a snapshot on disk but may lose the writes since the last
   * one: writers that resume from committed log offsets rebuild what it lost (features job).
   */
  readonly durable: boolean;
  put(writes: readonly FeatureWrite[]): Promise<void>;
  /** One round trip; result i is for ids[i]; null where missing or expired. */
  getMany(entity: string, ids: readonly string[]): Promise<(FeatureRecord | null)[]>;
  delete(entity: string, ids: readonly string[]): Promise<void>;
}
