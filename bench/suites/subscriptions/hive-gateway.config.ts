/**
 * The peer's config (Hive Gateway CLI): subscriptions to subgraphs over graphql-ws (our subgraphs
 * serve graphql-ws, not SSE), everything else the CLI's defaults. The supergraph path comes from
 * SUBS_SUPERGRAPH.
 */
export const gatewayConfig = {
  supergraph: process.env['SUBS_SUPERGRAPH'] ?? 'supergraph.graphql',
  transportEntries: { '*.http': { options: { subscriptions: { kind: 'ws' } } } },
};
