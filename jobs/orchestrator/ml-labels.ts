/**
 * Fraud retrains on new labels (seed 000: "fraud often and on new labels"): a consumer of the
 * `fraud-labels` topic counts the labels that arrive and hands each batch's count to
 * `retrainOnNewLabels` (ml-dags.ts), which reruns today's `retrain_fraud_score` once enough came.
 * The training set reads silver.fraud_labels, so labels count for training once daily_etl landed them.
 */
import type { Logger } from 'pino';
import type { ConsumerHandle, EventLog } from '../../connectors/contracts/event-log.ts';
import { errorMessage } from '../../schema/errors.ts';
import { TOPICS } from '../../schema/events/topics.ts';
import type { Orchestrator } from './engine.ts';
import { retrainOnNewLabels } from './ml-dags.ts';

export interface NewLabelsOptions {
  readonly log: EventLog;
  readonly orchestrator: Pick<Orchestrator, 'trigger'>;
  readonly logger: Logger;
  /** Labels since the last retraining that trigger the next. */
  readonly minLabels: number;
  readonly groupId?: string;
  readonly timezone?: string;
}

export async function retrainFraudOnNewLabels(o: NewLabelsOptions): Promise<ConsumerHandle> {
  const hook = retrainOnNewLabels({ orchestrator: o.orchestrator, minLabels: o.minLabels, ...(o.timezone ? { timezone: o.timezone } : {}) });
  await o.log.ensureTopics([TOPICS.fraudLabels]);
  return o.log.consume({
    groupId: o.groupId ?? 'ml-retrain-on-labels',
    topics: [TOPICS.fraudLabels.name],
    handler: async (batch) => {
      try {
        if (await hook(batch.records.length)) o.logger.info({ labels: batch.records.length }, 'new fraud labels: retrain_fraud_score triggered');
      } catch (e) {
        // a trigger that fails (queue down) must not stop label consumption; the next batch tries again
        o.logger.warn({ err: errorMessage(e) }, 'retrain on new labels: trigger failed');
      }
    },
  });
}
