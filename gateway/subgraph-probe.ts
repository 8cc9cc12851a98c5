/**
 * `gofuture_subgraph_up{subgraph}`: 1 when a subgraph answers `{ __typename }` (the readiness
 * probe, gateway/readiness.ts), else 0, probed at scrape time, so Prometheus's scrape interval is
 * the probe interval and nothing runs between scrapes. The `SubgraphDown` rule reads it.
 */
import { Gauge, type Registry } from 'prom-client';
import { METRICS } from '../schema/operations/metric-names.ts';
import type { SubgraphEndpoint } from './compose.ts';
import { probeSubgraph } from './readiness.ts';

export interface SubgraphProbeOptions {
  readonly timeoutMs?: number;
  readonly hmacSecret?: string;
}

/** Registers the gauge in `registry` over `subgraphs`; returns the function that removes it. */
export function registerSubgraphProbe(registry: Registry, subgraphs: readonly SubgraphEndpoint[], o: SubgraphProbeOptions = {}): () => void {
  const s = METRICS.subgraphUp;
  registry.removeSingleMetric(s.name);
  const gauge = new Gauge({
    name: s.name, help: s.help, labelNames: s.labels, registers: [registry],
    async collect() {
      const statuses = await Promise.all(subgraphs.map((sg) => probeSubgraph(sg, o.timeoutMs ?? 1000, o.hmacSecret)));
      this.reset();
      for (const st of statuses) this.set({ subgraph: st.name }, st.ok ? 1 : 0);
    },
  });
  return () => {
    if (registry.getSingleMetric(s.name) === gauge) registry.removeSingleMetric(s.name);
  };
}
