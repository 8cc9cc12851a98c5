/**
 * The current window of a model from the prediction log (lake table ml.prediction_log): the rows
 * the model answered on the logical date (champion and canary; shadow scores repeat the same
 * features and are left out), each reference column taken from the logged feature JSON, and the
 * reference's prediction column from the logged outputs (the first output's first value).
 */
import { quoteLiteral } from '../lake/delta/delta-schema.ts';
import type { LakeTables } from '../lake/delta/index.ts';
import { PREDICTION_LOG_TABLE } from '../../schema/ml/prediction-log.ts';
import type { CurrentWindowSource } from './drift-check.ts';
import { lakeTableWindow } from './lake-window.ts';

export interface PredictionLogWindowOptions {
  readonly lake: LakeTables;
  /** The reference's prediction column (buildReferenceProfile's default: `prediction`). */
  readonly predictionColumn?: string;
  readonly maxRows?: number;
  readonly table?: string;
}

const featureExpr = (name: string): string => `TRY_CAST(json_extract_string(t.features, ${quoteLiteral(`$."${name.replace(/"/g, '')}"`)}) AS DOUBLE)`;
const PREDICTION_EXPR = `TRY_CAST((json_extract_string(t.outputs, '$.*[0]'))[1] AS DOUBLE)`;

export function predictionLogWindow(o: PredictionLogWindowOptions): CurrentWindowSource {
  const prediction = o.predictionColumn ?? 'prediction';
  return {
    async window(model, date, columns) {
      const mapping = Object.fromEntries(columns.map((c) => [c, c === prediction ? PREDICTION_EXPR : featureExpr(c)]));
      const source = lakeTableWindow({
        lake: o.lake,
        table: o.table ?? PREDICTION_LOG_TABLE,
        timeColumn: 'predicted_at',
        modelColumn: 'model',
        source: 'prediction_log',
        columns: mapping,
        where: `t.variant <> 'shadow'`,
        ...(o.maxRows ? { maxRows: o.maxRows } : {}),
      });
      return source.window(model, date, columns);
    },
  };
}
