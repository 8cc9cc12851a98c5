export { startSagaJob, SAGA_JOB, BOOKING_SAGA, type SagaJobOptions } from './saga-job.ts';
export * from './saga-fold.ts';
