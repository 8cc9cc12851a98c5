/**
 * Traffic policy of a model: who answers a prediction. `champion` (default): the champion alias
 * only. `canary`: a share `canaryWeight` of entities is answered by the `challenger` alias.
 * `shadow`: the champion answers, the challenger is scored on the same rows and logged.
 *
 * Assignment is sticky by entity: hash(model, entity id) -> one of BUCKETS buckets, and buckets
 * below weight x BUCKETS go to the challenger. The same entity always gets the same variant while
 * the weight is unchanged, and raising the weight only moves entities from champion to canary.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';

export const TrafficPolicySchema = z.object({
  mode: z.enum(['champion', 'canary', 'shadow']).default('champion'),
  /** canary: share of entities (0..1) the challenger answers. */
  canaryWeight: z.number().min(0).max(1).default(0),
}).strict();

/** Policies by model name; a model without one serves its champion only. */
export const TrafficPoliciesSchema = z.record(z.string(), TrafficPolicySchema);

export type TrafficPolicy = z.output<typeof TrafficPolicySchema>;
export type TrafficPolicies = Readonly<Record<string, TrafficPolicy>>;

export const CHAMPION_ONLY: TrafficPolicy = Object.freeze({ mode: 'champion', canaryWeight: 0 });

export const BUCKETS = 10_000;

/** The bucket (0..BUCKETS-1) of an entity for a model: stable across processes and restarts. */
export function bucketOf(model: string, entityId: string): number {
  const digest = createHash('sha256').update(model).update('\u0000').update(entityId).digest();
  return digest.readUInt32BE(0) % BUCKETS;
}

/** Whether an entity is answered by the challenger under a canary policy. */
export function inCanary(policy: TrafficPolicy, model: string, entityId: string): boolean {
  return policy.mode === 'canary' && bucketOf(model, entityId) < Math.round(policy.canaryWeight * BUCKETS);
}
