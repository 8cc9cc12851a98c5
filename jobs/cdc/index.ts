export { startCdcJob, type CdcJob, type CdcJobOptions, type CdcJobStats, type PrimaryKeyLookup } from './cdc-job.ts';
export { isOutboxInsert, OUTBOX_HEADERS, routeOutbox, type OutboxRoute } from './outbox-router.ts';
