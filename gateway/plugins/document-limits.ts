/**
 * Document limits, checked before validation and planning: tokens (graphql's own `maxTokens`, so a
 * huge document stops parsing early), then depth, aliases, directives, expanded fields and cost in
 * one memoised pass (document-analysis.ts) before the validation rules run; then, at execution
 * start (still before the planner), cost and prediction inputs again with the request's variables
 * (`first: $n`, `inputs: $batch`). Each refusal is LIMIT_EXCEEDED naming the limit, HTTP 400.
 */
import { GraphQLError, parse, type DocumentNode, type GraphQLSchema, type ParseOptions, type Source } from 'graphql';
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { analyzeDocument, type DocumentStats } from './document-analysis.ts';
import { limitError } from './limit-error.ts';
import type { LimitsConfig } from './policy-config.ts';

type DocumentLimits = Pick<LimitsConfig, 'maxTokens' | 'maxDepth' | 'maxAliases' | 'maxDirectives' | 'maxFields' | 'maxCost' | 'defaultListSize' | 'maxPredictionInputs' | 'predictionFieldPrefix'>;

// graphql 16 says "more that N tokens"
const TOO_MANY_TOKENS = /Document contains more tha[nt] \d+ tokens/;

/** The first limit `stats` breaks, or undefined. */
export function firstBrokenLimit(stats: DocumentStats, limits: DocumentLimits): GraphQLError | undefined {
  if (stats.depth > limits.maxDepth) return limitError('depth', limits.maxDepth, stats.depth);
  if (stats.aliases > limits.maxAliases) return limitError('aliases', limits.maxAliases, stats.aliases);
  if (stats.directives > limits.maxDirectives) return limitError('directives', limits.maxDirectives, stats.directives);
  if (stats.fields > limits.maxFields) return limitError('fields', limits.maxFields, stats.fields);
  if (stats.cost > limits.maxCost) return limitError('cost', limits.maxCost, stats.cost);
  if (stats.predictionInputs > limits.maxPredictionInputs) return limitError('predictionInputs', limits.maxPredictionInputs, stats.predictionInputs);
  return undefined;
}

/** Parses with the token limit; a document over it is LIMIT_EXCEEDED (tokens), not a syntax error. */
export function parseWithTokenLimit(source: string | Source, maxTokens: number, options?: ParseOptions): DocumentNode {
  try {
    return parse(source, { ...options, maxTokens });
  } catch (e) {
    if (e instanceof GraphQLError && TOO_MANY_TOKENS.test(e.message)) throw limitError('tokens', maxTokens, undefined);
    throw e;
  }
}

function check(doc: DocumentNode, schema: GraphQLSchema, limits: DocumentLimits, variables: Readonly<Record<string, unknown>> | undefined): GraphQLError | undefined {
  const stats = analyzeDocument(doc, schema, { defaultListSize: limits.defaultListSize, predictionFieldPrefix: limits.predictionFieldPrefix, variables });
  return firstBrokenLimit(stats, limits);
}

export function createDocumentLimitsPlugin(limits: DocumentLimits): GatewayPlugin {
  // The runtime caches parsed documents, so the same DocumentNode comes back for the same text:
  // the variable-free verdict is computed once per document and schema.
  const verdicts = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, GraphQLError | null>>();
  const documentVerdict = (doc: DocumentNode, schema: GraphQLSchema): GraphQLError | undefined => {
    let bySchema = verdicts.get(schema);
    if (!bySchema) verdicts.set(schema, (bySchema = new WeakMap()));
    let verdict = bySchema.get(doc);
    if (verdict === undefined) bySchema.set(doc, (verdict = check(doc, schema, limits, undefined) ?? null));
    return verdict ?? undefined;
  };
  const withVariables = (doc: DocumentNode, schema: GraphQLSchema, raw: unknown): GraphQLError | undefined => {
    const variables = (raw ?? {}) as Record<string, unknown>;
    // without variables the validation-time verdict already covered cost and prediction inputs
    return Object.keys(variables).length === 0 ? documentVerdict(doc, schema) : check(doc, schema, limits, variables);
  };
  return {
    onParse({ setParseFn }) {
      setParseFn((source, options) => parseWithTokenLimit(source, limits.maxTokens, options as ParseOptions | undefined));
    },
    onValidate({ params, setResult }) {
      // Only what the document alone decides: validation results are cached per document.
      const error = documentVerdict(params.documentAST, params.schema);
      if (error) setResult([error]);
    },
    onExecute({ args, setResultAndStopExecution }) {
      const error = withVariables(args.document, args.schema, args.variableValues);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const error = withVariables(args.document, args.schema, args.variableValues);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
  };
}
