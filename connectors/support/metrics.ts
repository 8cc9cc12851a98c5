/** prom-client helpers: one metric object per (registry, name), reused by every instance. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { MetricSpec } from '../../schema/operations/metric-names.ts';

export function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[]): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<L>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

export function gauge<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[]): Gauge<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Gauge<L>;
  return new Gauge({ name, help, labelNames, registers: [registry] });
}

export function histogram<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[], buckets?: number[]): Histogram<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Histogram<L>;
  return new Histogram({ name, help, labelNames, registers: [registry], ...(buckets ? { buckets } : {}) });
}

/** The metric of a catalogue entry (schema/operations/metric-names.ts), by its name, help and labels. */
export function counterOf<L extends string>(registry: Registry, s: MetricSpec<L>): Counter<L> {
  return counter(registry, s.name, s.help, s.labels);
}

export function gaugeOf<L extends string>(registry: Registry, s: MetricSpec<L>): Gauge<L> {
  return gauge(registry, s.name, s.help, s.labels);
}

export function histogramOf<L extends string>(registry: Registry, s: MetricSpec<L>): Histogram<L> {
  return histogram(registry, s.name, s.help, s.labels, s.buckets ? [...s.buckets] : undefined);
}

interface Sample {
  readonly labels: Record<string, string>;
  readonly read: () => number | null;
}
const sampled = new WeakMap<Registry, Map<string, Map<string, Sample>>>();

/**
 * A gauge read at scrape time (e.g. now - watermark, which grows while nothing arrives): each caller
 * adds one labelled series with its reader; a reader that returns null leaves its series out. Returns
 * the function that removes the series again (call it when the job stops).
 */
export function sampledGauge<L extends string>(registry: Registry, s: MetricSpec<L>, labels: Record<L, string>, read: () => number | null): () => void {
  let byName = sampled.get(registry);
  if (!byName) sampled.set(registry, (byName = new Map()));
  let samples = byName.get(s.name);
  if (!samples || !registry.getSingleMetric(s.name)) {
    const own = new Map<string, Sample>();
    samples = own;
    byName.set(s.name, own);
    registry.removeSingleMetric(s.name);
    new Gauge({
      name: s.name, help: s.help, labelNames: s.labels, registers: [registry],
      collect() {
        this.reset();
        for (const x of own.values()) {
          const v = x.read();
          if (v !== null && Number.isFinite(v)) this.set(x.labels as Partial<Record<L, string>>, v);
        }
      },
    });
  }
  const key = JSON.stringify(labels);
  const mine: Sample = { labels, read };
  samples.set(key, mine);
  const owner = samples;
  return () => {
    if (owner.get(key) === mine) owner.delete(key);
  };
}
