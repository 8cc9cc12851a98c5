export { startAggregationJob, AGGREGATION_JOB_NAME, type AggregationJob, type AggregationJobDeps, type AggregationStats } from './aggregation-job.ts';
export { AggregationConfigSchema, type AggregationConfig, type AggregationConfigInput } from './config.ts';
export { WindowState, contributionOf, type WindowView, type WindowCounters, type WindowChanges, type WindowStateSnapshot, type ApplyOutcome } from './window-state.ts';
export { AGGREGATION_CHECKPOINTS } from './checkpoint-store.ts';
