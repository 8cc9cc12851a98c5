/**
 * The prediction log (issue 9 §5): every prediction the models subgraph answers, and every shadow
 * score of a challenger, as one row of the lake table `ml.prediction_log` (Delta, partitioned by
 * `prediction_date`). Serving hands records to a PredictionSink, which must never block or throw on
 * the request path. Data and types only.
 */

/** How a row was routed: the champion answered, the challenger answered (canary), or the challenger scored in the shadow of the champion. */
export type PredictionVariant = 'champion' | 'canary' | 'shadow';

export interface PredictionRecord {
  readonly requestId: string;
  readonly model: string;
  readonly version: string;
  /** The alias the version was resolved by (`champion` or `challenger`). */
  readonly alias: string;
  readonly variant: PredictionVariant;
  /** The entity the traffic split was sticky on (payment, client, region), or null. */
  readonly entityId: string | null;
  readonly features: Readonly<Record<string, number>>;
  readonly outputs: Readonly<Record<string, readonly number[]>>;
  /** A classifier's decision at its version's threshold (fraud, default), else null. */
  readonly decision: boolean | null;
  /** Epoch ms. */
  readonly predictedAt: number;
}

export interface PredictionSink {
  /** Accepts records without waiting; drops (and counts) them rather than block when full. */
  write(records: readonly PredictionRecord[]): void;
}

export const PREDICTION_LOG_TABLE = 'ml.prediction_log';

/** Column -> DuckDB type, in table order (features and outputs as JSON text). */
export const PREDICTION_LOG_COLUMNS = {
  request_id: 'VARCHAR',
  model: 'VARCHAR',
  version: 'VARCHAR',
  alias: 'VARCHAR',
  variant: 'VARCHAR',
  entity_id: 'VARCHAR',
  features: 'VARCHAR',
  outputs: 'VARCHAR',
  decision: 'BOOLEAN',
  predicted_at: 'TIMESTAMPTZ',
  prediction_date: 'DATE',
} as const;

export const PREDICTION_LOG_PARTITION_BY = ['prediction_date'] as const;

export function predictionLogRow(r: PredictionRecord): Record<keyof typeof PREDICTION_LOG_COLUMNS, string | boolean | null> {
  const at = new Date(r.predictedAt).toISOString();
  return {
    request_id: r.requestId,
    model: r.model,
    version: r.version,
    alias: r.alias,
    variant: r.variant,
    entity_id: r.entityId,
    features: JSON.stringify(r.features),
    outputs: JSON.stringify(r.outputs),
    decision: r.decision,
    predicted_at: at,
    prediction_date: at.slice(0, 10),
  };
}
