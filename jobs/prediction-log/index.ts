/** The prediction log (lake table ml.prediction_log) and the online quality of labelled models. */
import type { PredictionRecord, PredictionSink } from '../../schema/ml/prediction-log.ts';

export { PredictionLogWriter, type PredictionLogOptions, type PredictionLogStats } from './prediction-log-writer.ts';
export { OnlineQuality, qualityThresholds, type OnlineQualityOptions } from './online-quality.ts';

/** One sink writing to several (each must itself never block or throw). */
export function fanOutSink(...sinks: readonly PredictionSink[]): PredictionSink {
  return { write: (records: readonly PredictionRecord[]) => { for (const s of sinks) s.write(records); } };
}
