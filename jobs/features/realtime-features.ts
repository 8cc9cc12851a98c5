/**
 * Keeps the OnlineStore's real-time features fresh (group 'features-realtime', booking-events and
 * driver-events): driver_avg_rating_7d and driver_trips_7d (entity 'driver'), rider_trips_30d
 * ('rider'), region_demand_1h ('region').
 *
 * Per batch (one partition): the events' contributions (feature-state.ts) are grouped by entity;
 * the state vectors of the touched entities are read with ONE getMany per entity type; each
 * entity's field for this partition gets the events it does not hold yet (by event id: duplicates
 * and re-delivered records are no-ops), is pruned, and is written back with put() together with the
 * entity's feature values, recomputed from all its state fields as of the entity's newest event.
 * The value vector is written with the definitions' ttlMs, the state vector with window + 1 day
 * (see feature-state.ts for why they are apart).
 *
 * Restart: the state is in the OnlineStore, so a restarted job (or another group member)
 * continues from it. A store that is not durable (`OnlineStore.durable === false`: the embedded
 * in-memory store, which snapshots to disk periodically and on close) may have lost writes the
 * log's committed offsets already cover, so on start the job also re-applies the retained log below
 * those offsets (feature-rebuild.ts), in the background and behind the same gate as the consumer's
 * batches: the state is a set of event ids, so events it already holds change nothing and the ones
 * it lost come back. Either way a restart serves the same values.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { EventLog } from '../../connectors/contracts/event-log.ts';
import type { FeatureValue, FeatureWrite, OnlineStore } from '../../connectors/contracts/online-store.ts';
import { counter } from '../../connectors/support/metrics.ts';
import { TOPICS } from '../../schema/events/topics.ts';
import type { FeatureEntity } from '../../schema/features.ts';
import type { DeadLetter } from '../support/dead-letter.ts';
import { startEventJob, type EventJob, type ParsedRecord } from '../support/event-consumer.ts';
import { createGate, eventTimeProblem } from '../landing/landing-support.ts';
import { errorMessage } from '../../schema/errors.ts';
import { rebuildFeaturesFromLog } from './feature-rebuild.ts';
import {
  applyToState, contributionsOf, emptyState, FEATURE_ENTITIES, featureValues, fieldName, parseState, pruneState,
  serializeState, sourceSpec, stateClock, stateEntity, stateTtlMs, valueTtlMs, type Contribution, type SourceName, type SourceState,
} from './feature-state.ts';

export const REALTIME_FEATURES = { name: 'features-realtime', groupId: 'features-realtime', topics: [TOPICS.booking.name, TOPICS.driver.name] } as const;

export interface FeatureJobOptions {
  readonly log: EventLog;
  readonly onlineStore: OnlineStore;
  readonly logger: Logger;
  readonly metrics: Registry;
  readonly maxBatchSize?: number;
  /** Wall clock for the event-time sanity rule (tests pin it). Default Date.now. */
  readonly now?: () => number;
}

export interface FeatureBatchResult {
  /** Contributions applied (re-delivered ones are not counted). */
  readonly applied: number;
  /** Entities whose vectors were written. */
  readonly entities: number;
  /** State fields that could not be read and were restarted empty. */
  readonly corruptState: number;
  readonly letters: DeadLetter[];
}

interface Pending { readonly c: Contribution }

/** One batch of one partition: read state, apply, write state and values. */
export async function updateFeatures(store: OnlineStore, events: readonly ParsedRecord[], nowMs: number, stage = REALTIME_FEATURES.name): Promise<FeatureBatchResult> {
  const letters: DeadLetter[] = [];
  const byEntity = new Map<FeatureEntity, Map<string, Pending[]>>();
  let topic = '';
  let partition = 0;
  for (const { record, event } of events) {
    topic = record.topic;
    partition = record.partition;
    const cs = contributionsOf(event);
    if (cs.length === 0) continue;
    const problem = eventTimeProblem(event.occurred_at, nowMs);
    if (problem) {
      letters.push({ record, code: 'EVENT_INVALID', reason: problem, stage });
      continue;
    }
    for (const c of cs) {
      let ids = byEntity.get(c.entity);
      if (!ids) byEntity.set(c.entity, (ids = new Map()));
      const list = ids.get(c.id) ?? [];
      list.push({ c });
      ids.set(c.id, list);
    }
  }

  const writes: FeatureWrite[] = [];
  let applied = 0;
  let corruptState = 0;
  for (const entity of FEATURE_ENTITIES) {
    const ids = byEntity.get(entity);
    if (!ids) continue;
    const idList = [...ids.keys()];
    const stored = await store.getMany(stateEntity(entity), idList);
    idList.forEach((id, i) => {
      const fields: Record<string, FeatureValue> = { ...(stored[i]?.values ?? {}) };
      const changed: Record<string, FeatureValue> = {};
      let appliedHere = 0;
      const states = new Map<string, { source: SourceName; s: SourceState }>();
      for (const { c } of ids.get(id) ?? []) {
        const field = fieldName(c.source, topic, partition);
        let st = states.get(field);
        if (!st) {
          const raw = fields[field];
          const parsed = parseState(raw);
          if (parsed === null && raw !== undefined && raw !== null) corruptState++;
          states.set(field, (st = { source: c.source, s: parsed ?? emptyState() }));
        }
        if (applyToState(st.s, c.key, c.at, c.value, sourceSpec(entity, c.source).bucketMs)) appliedHere++;
      }
      if (appliedHere === 0) return;
      applied += appliedHere;
      // the entity's own clock: its newest event time over every state field
      const now = Math.max(stateClock(fields), ...[...states.values()].map((x) => x.s.t));
      for (const [field, { source, s }] of states) {
        const { bucketMs, windowMs } = sourceSpec(entity, source);
        pruneState(s, now, windowMs, bucketMs);
        changed[field] = fields[field] = serializeState(s);
      }
      writes.push({ entity: stateEntity(entity), id, values: changed, ttlMs: stateTtlMs(entity) });
      writes.push({ entity, id, values: featureValues(entity, fields, now), ttlMs: valueTtlMs(entity) });
    });
  }
  if (writes.length > 0) await store.put(writes);
  return { applied, entities: writes.length / 2, corruptState, letters };
}

export async function startFeatureJob(o: FeatureJobOptions): Promise<EventJob> {
  await o.log.ensureTopics([TOPICS.booking, TOPICS.driver, TOPICS.deadLetter]);
  const logger = o.logger.child({ job: REALTIME_FEATURES.name });
  const gate = createGate();
  const now = o.now ?? Date.now;
  const updates = counter(o.metrics, 'gofuture_features_updates_total', 'Feature contributions applied to the online store', ['job']);
  const corrupt = counter(o.metrics, 'gofuture_features_state_reset_total', 'Feature state fields that could not be read and restarted empty', ['job']);
  // started before the consumer so its first batches queue behind the rebuild's at the gate
  const rebuilt = o.onlineStore.durable ? Promise.resolve(0) : rebuildFeaturesFromLog({
    log: o.log, store: o.onlineStore, groupId: REALTIME_FEATURES.groupId, topics: REALTIME_FEATURES.topics, logger,
    apply: (records) => gate(async () => void (await updateFeatures(o.onlineStore, records, now()))),
  });
  void rebuilt.then(
    (n) => { if (n > 0) logger.info({ events: n }, 'online store is not durable: retained log re-applied (idempotent by event id)'); },
    (e: unknown) => logger.error({ err: errorMessage(e) }, 'rebuilding the online store from the log failed; features may miss older events'),
  );
  const job = await startEventJob({
    name: REALTIME_FEATURES.name,
    groupId: REALTIME_FEATURES.groupId,
    topics: REALTIME_FEATURES.topics,
    log: o.log,
    logger: o.logger,
    metrics: o.metrics,
    ...(o.maxBatchSize ? { maxBatchSize: o.maxBatchSize } : {}),
    handle: (events) => gate(async () => {
      const r = await updateFeatures(o.onlineStore, events, now());
      updates.inc({ job: REALTIME_FEATURES.name }, r.applied);
      if (r.corruptState > 0) {
        corrupt.inc({ job: REALTIME_FEATURES.name }, r.corruptState);
        logger.warn({ fields: r.corruptState }, 'unreadable feature state restarted empty');
      }
      return r.letters;
    }),
  });
  return {
    ...job,
    stop: async () => {
      await rebuilt.catch(() => 0);
      await job.stop();
    },
  };
}
