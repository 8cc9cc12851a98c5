/** Resolvers of the payments subgraph (schema/subgraphs/payments.graphql). */
import { DateTimeScalar, keysetPage, optionalRange, timeRange, toConnection, type SubgraphResolvers } from '../common/index.ts';
import type { PaymentsContext } from './context.ts';
import { paymentsMartFields } from './marts.ts';
import { paymentCount, paymentPage, revenueDays, riskLevelCounts, type PaymentFilterArgs } from './queries.ts';
import { RISK_LEVELS, type PaymentNode } from './rows.ts';

const DAY = 24 * 3_600_000;

interface IdRef {
  readonly id: string;
}
interface RangeArgs {
  readonly from?: number | null;
  readonly to?: number | null;
}

export function paymentsResolvers(): SubgraphResolvers<PaymentsContext> {
  return {
    DateTime: DateTimeScalar,
    Query: {
      ...paymentsMartFields,
      payments: async (_: unknown, args: { readonly filter?: PaymentFilterArgs | null; readonly first?: number | null; readonly after?: string | null }, ctx: PaymentsContext) => {
        const filter = args.filter ?? {};
        optionalRange(filter.from, filter.to);
        const page = keysetPage(args);
        const rows = await paymentPage(ctx.warehouse, filter, page);
        for (const p of rows) ctx.loaders.payment.prime(p.id, p);
        return { ...toConnection(rows, page.limit, (p) => ({ at: p.initiatedAt, id: p.id })), totalCount: () => paymentCount(ctx.warehouse, filter) };
      },
      payment: (_: unknown, args: IdRef, ctx: PaymentsContext) => ctx.loaders.payment.load(args.id),
      revenuePerDay: async (_: unknown, args: RangeArgs & { readonly regionId?: string | null; readonly byRegion?: boolean | null }, ctx: PaymentsContext) => {
        const range = timeRange(args.from, args.to, { defaultSpanMs: 30 * DAY, maxSpanMs: 366 * DAY, now: ctx.now });
        const regionId = args.regionId ?? null;
        const rows = await revenueDays(ctx.warehouse, range, regionId, regionId !== null || args.byRegion === true);
        return rows.map((r) => ({ ...r, region: r.regionId === null ? null : { id: r.regionId } }));
      },
      fraudSummary: async (_: unknown, args: RangeArgs, ctx: PaymentsContext) => {
        const range = timeRange(args.from, args.to, { defaultSpanMs: DAY, maxSpanMs: 366 * DAY, now: ctx.now });
        const rows = await riskLevelCounts(ctx.warehouse, range);
        return RISK_LEVELS.map((level) => {
          const hits = rows.filter((r) => r.riskLevel.toUpperCase() === level);
          return { riskLevel: level, payments: hits.reduce((s, r) => s + r.payments, 0), amount: hits.reduce((s, r) => s + r.amount, 0) };
        });
      },
    },
    Payment: {
      __resolveReference: (ref: IdRef, ctx: PaymentsContext) => ctx.loaders.payment.load(ref.id),
      trip: (p: PaymentNode) => ({ id: p.tripId }),
      region: (p: PaymentNode) => ({ id: p.regionId }),
    },
    Trip: {
      __resolveReference: (ref: IdRef) => ({ id: ref.id }),
      payments: (t: IdRef, _: unknown, ctx: PaymentsContext) => ctx.loaders.paymentsOfTrip.load(t.id),
    },
  };
}
