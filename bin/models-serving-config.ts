/** Config of serving in the models subgraph (`models.serving`): docs/decisions/0019-serving.md. */
import { z } from 'zod';
import { TrafficPoliciesSchema } from '../subgraphs/models/serving/traffic-policy.ts';

export const ModelServingConfigSchema = z.object({
  /** Per model: `{ "mode": "canary", "canaryWeight": 0.1 }` or `{ "mode": "shadow" }`; default champion only. */
  traffic: TrafficPoliciesSchema.default({}),
  /** How often the registry's aliases are read (a moved champion is swapped in), ms; 0 = never after start. */
  aliasPollMs: z.number().int().min(0).default(5000),
  predictionLog: z.object({
    enabled: z.boolean().default(true),
    flushMs: z.number().int().min(10).default(1000),
    batchRows: z.number().int().min(1).default(500),
    maxBuffered: z.number().int().min(1).default(20_000),
  }).strict().prefault({}),
  quality: z.object({
    windowMs: z.number().int().min(1000).default(3_600_000),
    retainWindows: z.number().int().min(1).default(24),
    minLabels: z.number().int().min(1).default(50),
  }).strict().prefault({}),
}).strict();

export type ModelServingConfig = z.output<typeof ModelServingConfigSchema>;
