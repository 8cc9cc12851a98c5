export { createSourceWriter, upsertSql, type SourceWriter, type SourceWriterOptions, type WriteResult } from './source-writer.ts';
export { eventWrite, type EventWrite, type OutboxRow, type RowChange } from './event-rows.ts';
