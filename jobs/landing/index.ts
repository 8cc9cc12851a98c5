/**
 * The landing jobs: domain events -> Warehouse (TRIPS, PAYMENTS, DRIVERS, DRIVER_RATINGS), so the
 * trips and payments subgraphs read real data. Every row is a function of the set of events landed
 * (arrival order, batching and duplicates do not matter; docs/decisions/0008). The caller creates
 * the tables first (`warehouse.ensureTables(WAREHOUSE_TABLES)`); the payments lander ensures its
 * private `landing_payment_pending` table itself; the topics the jobs read and the dead-letter topic
 * are ensured here (idempotent).
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { EventLog } from '../../connectors/contracts/event-log.ts';
import type { Warehouse } from '../../connectors/contracts/warehouse.ts';
import { TOPICS } from '../../schema/events/topics.ts';
import type { EventJob } from '../support/event-consumer.ts';
import { startDriversLanding } from './drivers-landing.ts';
import { startPaymentsLanding } from './payments-landing.ts';
import { startTripsLanding, type LandingJobOptions } from './trips-landing.ts';

export { startTripsLanding, TRIPS_LANDING, type LandingJobOptions } from './trips-landing.ts';
export { startPaymentsLanding, PAYMENTS_LANDING } from './payments-landing.ts';
export { startDriversLanding, DRIVERS_LANDING } from './drivers-landing.ts';

export interface LandingJobs {
  /** The running jobs (name, stats), e.g. for the job-status reporter. */
  readonly jobs: readonly EventJob[];
  stop(): Promise<void>;
}

export async function startLandingJobs(o: { log: EventLog; warehouse: Warehouse; logger: Logger; metrics: Registry } & Partial<Pick<LandingJobOptions, 'maxBatchSize' | 'now'>>): Promise<LandingJobs> {
  await o.log.ensureTopics([TOPICS.booking, TOPICS.pricing, TOPICS.payment, TOPICS.driver, TOPICS.deadLetter]);
  const jobs: EventJob[] = [];
  try {
    jobs.push(await startTripsLanding(o));
    jobs.push(await startPaymentsLanding(o));
    jobs.push(await startDriversLanding(o));
  } catch (e) {
    await Promise.allSettled(jobs.map((j) => j.stop()));
    throw e;
  }
  return {
    jobs,
    stop: async () => {
      await Promise.all(jobs.map((j) => j.stop()));
    },
  };
}
