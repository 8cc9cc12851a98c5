export { startAggregationJob, AGGREGATION_JOB_NAME, type AggregationJob, type AggregationJobDeps, type AggregationStats } from './aggregation-job.ts';
export { AggregationConfigSchema, type AggregationConfig, type AggregationConfigInput } from './config.ts';
export { toRow, toMessage, channelOf, regionWindowsOutput } from './window-output.ts';
export { AGGREGATION_CHECKPOINTS } from '../../schema/windows/window-tables.ts';
