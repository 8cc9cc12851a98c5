/**
 * Suite `limits`: how long the gateway's document analysis (gateway/plugins/document-analysis.ts,
 * memoised per fragment) takes to measure the issue-6 fan-out document (`fragment Fn`, each Fi
 * spreading F(i-1) twice) for growing n, against the peer that expands every spread (what a
 * recursive per-spread walk does), on the platform's composed supergraph. The peer is run only up to
 * the n where it still ends in seconds; its time doubles per fragment.
 */
import { composeServices, compositionHasErrors } from '@theguild/federation-composition';
import { Kind, buildSchema, parse, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import { analyzeDocument } from '../../gateway/plugins/document-analysis.ts';
import { loadSubgraphTypeDefs } from '../../subgraphs/common/index.ts';
import { textReport } from '../support/report.ts';
import { ratio, sig, summarize } from '../support/stats.ts';
import type { ResultRow, Suite, SuiteContext, SuiteResult } from '../support/types.ts';

function fanOut(n: number): string {
  const frags = ['fragment F0 on Trip { id fare }'];
  for (let i = 1; i <= n; i++) frags.push(`fragment F${i} on Trip { ...F${i - 1} ...F${i - 1} }`);
  return `${frags.join('\n')}\nquery { trips(first: 1) { edges { node { ...F${n} } } } }`;
}

/** The peer: counts fields by expanding every spread in place. */
function expandedFields(doc: DocumentNode): number {
  const frags = new Map<string, FragmentDefinitionNode>();
  for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) frags.set(d.name.value, d);
  const walk = (set: SelectionSetNode): number => {
    let n = 0;
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) n += 1 + (s.selectionSet ? walk(s.selectionSet) : 0);
      else if (s.kind === Kind.INLINE_FRAGMENT) n += walk(s.selectionSet);
      else {
        const f = frags.get(s.name.value);
        if (f) n += walk(f.selectionSet);
      }
    }
    return n;
  };
  let total = 0;
  for (const d of doc.definitions) if (d.kind === Kind.OPERATION_DEFINITION) total += walk(d.selectionSet);
  return total;
}

function timeMs(fn: () => void, iterations: number): number {
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    fn();
    samples.push(performance.now() - t);
  }
  return summarize(samples).p50;
}

export const limitsSuite: Suite = {
  name: 'limits',
  title: 'fan-out document analysis: memoised per fragment vs expanding every spread',
  description: 'Time to measure the issue-6 fragment fan-out document (n fragments, each spreading the previous twice) with the gateway analysis vs a per-spread expansion, on the composed supergraph.',
  async run(ctx: SuiteContext): Promise<SuiteResult> {
    const composed = composeServices(['trips', 'payments', 'features', 'models', 'metrics'].map((name) => ({ name, typeDefs: loadSubgraphTypeDefs(name), url: `http://${name}/graphql` })));
    if (compositionHasErrors(composed)) throw new Error(composed.errors.map((e) => e.message).join('\n'));
    const schema = buildSchema(composed.supergraphSdl, { assumeValidSDL: true });
    const opts = { defaultListSize: 10, predictionFieldPrefix: 'predict' };
    const iterations = ctx.quick ? 5 : 200;
    const peerMaxN = ctx.quick ? 14 : 20;
    const rows: ResultRow[] = [];
    const ours: Record<number, number> = {};
    const peer: Record<number, number> = {};
    for (const n of [10, 14, 18, 20, 30, 100]) {
      const doc = parse(fanOut(n));
      const stats = analyzeDocument(doc, schema, opts);
      ours[n] = timeMs(() => analyzeDocument(doc, schema, opts), iterations);
      if (n <= peerMaxN) {
        const fields = expandedFields(doc);
        if (fields !== stats.fields) throw new Error(`n=${n}: the two counts disagree (${fields} vs ${stats.fields})`);
        peer[n] = timeMs(() => expandedFields(doc), Math.max(1, Math.floor(iterations / 20)));
      }
      rows.push({ n, 'expanded fields': stats.fields, visits: stats.visits, 'ours p50 ms': sig(ours[n] ?? null), 'expanding p50 ms': peer[n] !== undefined ? sig(peer[n]) : null });
      ctx.print(`n=${n}: ours ${sig(ours[n] ?? null)} ms, expanding ${peer[n] !== undefined ? `${sig(peer[n])} ms` : 'not run'}`);
    }
    const sizes = Object.keys(ours).map(Number);
    const result: SuiteResult = {
      growth: [
        {
          id: 'analysis-by-fragments',
          title: 'Fan-out document analysis: time by number of fragments (log-log)',
          xLabel: 'fragments n (each spreads the previous twice: 2^n fields)',
          yLabel: 'p50 ms per analysis',
          logX: true,
          logY: true,
          series: [
            { name: 'ours: memoised per fragment (gateway/plugins/document-analysis.ts)', points: sizes.map((n) => ({ x: n, y: ours[n] ?? Number.NaN })) },
            { name: 'peer: expanding every spread', points: sizes.filter((n) => peer[n] !== undefined).map((n) => ({ x: n, y: peer[n] ?? Number.NaN })) },
          ],
        },
      ],
      columns: ['n', 'expanded fields', 'visits', 'ours p50 ms', 'expanding p50 ms'],
      rows,
      ratios: [
        { name: `expanding / ours at n=${peerMaxN}`, value: sig(ratio(peer[peerMaxN], ours[peerMaxN])), meaning: 'how much faster the memoised analysis measures the same document' },
        { name: 'ours n=30 / ours n=10', value: sig(ratio(ours[30], ours[10])), meaning: 'growth of our time with 3x the fragments (linear: about 3, expanding: about 2^20)' },
      ],
      notes: [
        'Both sides count the same expanded fields (checked for every n the peer runs).',
        `The peer stops at n=${peerMaxN}: each extra fragment doubles its time.`,
      ],
    };
    ctx.print(textReport(result));
    return result;
  },
};
