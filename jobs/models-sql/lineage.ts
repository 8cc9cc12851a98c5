/**
 * Lineage from the refs: the table graph sources -> bronze -> silver -> gold -> warehouse marts (and
 * whatever else declares edges: features, models), never a hand-kept list. Columns where cheap: the
 * columns a model's schema.yml documents.
 */
import type { ModelProject } from './project.ts';

export interface LineageNode {
  readonly name: string;
  /** bronze | silver | gold | quality | warehouse | topic | ... */
  readonly layer: string;
  readonly kind: 'source' | 'model' | 'published' | 'external';
  readonly columns: readonly string[];
}

export interface LineageEdge {
  readonly from: string;
  readonly to: string;
}

export interface LineageGraph {
  readonly nodes: readonly LineageNode[];
  readonly edges: readonly LineageEdge[];
}

export interface LineageView {
  readonly table: string;
  readonly upstream: readonly LineageNode[];
  readonly downstream: readonly LineageNode[];
  readonly edges: readonly LineageEdge[];
}

const layerOf = (name: string): string => name.split('.')[0] ?? name;

export function buildLineage(project: ModelProject, extra: readonly (LineageEdge & { readonly kind?: LineageNode['kind'] })[] = []): LineageGraph {
  const nodes = new Map<string, LineageNode>();
  const edges: LineageEdge[] = [];
  const add = (n: LineageNode): void => {
    if (!nodes.has(n.name) || n.kind === 'model') nodes.set(n.name, n);
  };
  for (const m of project.models) {
    add({ name: m.name, layer: m.layer, kind: 'model', columns: m.columns.map((c) => c.name) });
    for (const s of m.sources) {
      add({ name: s, layer: layerOf(s), kind: 'source', columns: [] });
      edges.push({ from: s, to: m.name });
    }
    for (const r of m.refs) edges.push({ from: r, to: m.name });
  }
  for (const e of extra) {
    add({ name: e.from, layer: layerOf(e.from), kind: nodes.get(e.from)?.kind ?? 'external', columns: nodes.get(e.from)?.columns ?? [] });
    add({ name: e.to, layer: layerOf(e.to), kind: e.kind ?? 'published', columns: nodes.get(e.from)?.columns ?? [] });
    edges.push({ from: e.from, to: e.to });
  }
  const unique = [...new Map(edges.map((e) => [`${e.from}->${e.to}`, e])).values()];
  return { nodes: [...nodes.values()], edges: unique };
}

/** Everything upstream and downstream of `table` (transitively), with the edges between them. */
export function lineageOf(graph: LineageGraph, table: string): LineageView | null {
  const byName = new Map(graph.nodes.map((n) => [n.name, n]));
  if (!byName.has(table)) return null;
  const walk = (start: string, direction: 'up' | 'down'): Set<string> => {
    const seen = new Set<string>();
    const stack = [start];
    while (stack.length) {
      const cur = stack.pop() as string;
      for (const e of graph.edges) {
        const n = direction === 'up' ? (e.to === cur ? e.from : null) : e.from === cur ? e.to : null;
        if (n && !seen.has(n) && n !== start) {
          seen.add(n);
          stack.push(n);
        }
      }
    }
    return seen;
  };
  const up = walk(table, 'up');
  const down = walk(table, 'down');
  const involved = new Set([table, ...up, ...down]);
  return {
    table,
    upstream: [...up].map((n) => byName.get(n)).filter((n): n is LineageNode => n !== undefined),
    downstream: [...down].map((n) => byName.get(n)).filter((n): n is LineageNode => n !== undefined),
    edges: graph.edges.filter((e) => involved.has(e.from) && involved.has(e.to)),
  };
}
