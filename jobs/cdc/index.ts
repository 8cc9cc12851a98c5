export { startCdcJob, type CdcJob, type CdcJobOptions, type CdcJobStats, type PrimaryKeyLookup } from './cdc-job.ts';
export { CDC_HEADERS, ChangeSequencer, lsnNumber, SEQ_INDEX_BITS, seqPosition, sourceIdentity, type SequencedBatch, type SequencedChange, type Sequencing } from './change-sequence.ts';
export { isOutboxInsert, OUTBOX_HEADERS, routeOutbox, type OutboxRoute } from './outbox-router.ts';
export { PublishLedger, type LedgerFilter, type LedgerItem, type PlacedItem, type PublishLedgerOptions } from './publish-ledger.ts';
