/**
 * GraphQL over any window spec (schema/subgraphs/metrics.graphql: windowSpecs, windowSpec,
 * specWindows, Subscription.specWindowUpdates): spec metadata for dashboards, a spec's windows by
 * name and key from the Warehouse, and the same windows live from PubSub.
 */
import { subscribeIterator, type PubSub } from '../../connectors/contracts/pub-sub.ts';
import type { Warehouse } from '../../connectors/contracts/warehouse.ts';
import { specEventTypes, type Measure, type WindowSpec } from '../../schema/windows/window-spec.ts';
import { isSpecWindowMessage, specChannel, specKeyChannel, type SpecWindowMessage } from '../../schema/windows/window-tables.ts';
import { badUserInput, intInRange, optionalRange } from '../common/index.ts';
import { specWindows, type SpecWindowNode } from './windows-queries.ts';

export interface WindowsContext {
  readonly warehouse: Warehouse;
  readonly pubsub: PubSub;
  /** The window specs the platform runs (metadata and the names the fields accept). */
  readonly windowSpecs: readonly WindowSpec[];
}

function specInfo(s: WindowSpec) {
  const w = s.window;
  return {
    name: s.name,
    description: s.description,
    source: s.source ?? null,
    kind: w.kind,
    sizeMinutes: w.kind === 'session' ? null : w.sizeMinutes,
    slideMinutes: w.kind === 'hopping' ? w.slideMinutes : w.kind === 'tumbling' ? w.sizeMinutes : null,
    gapMinutes: w.kind === 'session' ? w.gapMinutes : null,
    keyBy: s.keyBy,
    allowedLatenessMs: s.allowedLatenessMs,
    events: specEventTypes(s),
    measures: Object.entries(s.measures).map(([name, m]) => measureInfo(name, m)),
  };
}

function measureInfo(name: string, m: Measure) {
  return {
    name,
    kind: m.kind,
    description: m.description ?? null,
    field: 'field' in m ? m.field : null,
    dimension: m.kind === 'distinct' ? m.dimension : null,
    events: 'events' in m ? m.events : [],
    inputs: m.kind === 'ratio' ? [m.numerator, ...m.denominator] : m.kind === 'flag' ? [m.measure] : [],
  };
}

function checkSpec(name: string, ctx: WindowsContext): WindowSpec {
  const s = ctx.windowSpecs.find((x) => x.name === name);
  if (!s) throw badUserInput(`unknown window spec ${JSON.stringify(name)} (known: ${ctx.windowSpecs.map((x) => x.name).join(', ')})`, { argument: 'spec' });
  return s;
}

function checkKey(key: string | null | undefined): string | null {
  if (key === null || key === undefined) return null;
  if (key.length > 512) throw badUserInput('"key" is longer than 512 characters', { argument: 'key' });
  return key;
}

const node = (n: SpecWindowNode | SpecWindowMessage) => ({
  ...n,
  measures: Object.entries(n.values).map(([name, value]) => ({ name, value })),
});

interface SpecWindowsArgs {
  readonly spec: string;
  readonly key?: string | null;
  readonly from?: number | null;
  readonly to?: number | null;
  readonly last?: number | null;
  readonly finalOnly?: boolean | null;
}

export function windowsResolvers() {
  return {
    Query: {
      windowSpecs: (_: unknown, __: unknown, ctx: WindowsContext) => ctx.windowSpecs.map(specInfo),
      windowSpec: (_: unknown, args: { readonly name: string }, ctx: WindowsContext) => {
        const s = ctx.windowSpecs.find((x) => x.name === args.name);
        return s ? specInfo(s) : null;
      },
      specWindows: async (_: unknown, args: SpecWindowsArgs, ctx: WindowsContext) => {
        const spec = checkSpec(args.spec, ctx);
        const range = optionalRange(args.from, args.to);
        const rows = await specWindows(ctx.warehouse, {
          spec: spec.name,
          key: checkKey(args.key),
          from: range.from,
          to: range.to,
          finalOnly: args.finalOnly === true,
          last: intInRange(args.last ?? 12, 1, 1000, 'last'),
        });
        return rows.map(node);
      },
    },
    Subscription: {
      specWindowUpdates: {
        subscribe: (_: unknown, args: { readonly spec: string; readonly key?: string | null }, ctx: WindowsContext) => {
          const spec = checkSpec(args.spec, ctx);
          const key = checkKey(args.key);
          return subscribeIterator(
            ctx.pubsub,
            [key === null ? specChannel(spec.name) : specKeyChannel(spec.name, key)],
            (m): m is SpecWindowMessage => isSpecWindowMessage(m) && m.spec === spec.name && (key === null || m.key === key),
          );
        },
        resolve: (m: SpecWindowMessage) => node(m),
      },
    },
    SpecWindow: {
      value: (w: { readonly values: Readonly<Record<string, number | null>> }, args: { readonly measure: string }) => w.values[args.measure] ?? null,
    },
  };
}
