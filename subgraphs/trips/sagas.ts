/** The trips subgraph's saga fields (schema/subgraphs/trips.graphql `sagas`, `saga`), over `saga_states`. */
import type { Row } from '../../connectors/contracts/warehouse.ts';
import { SAGA_STATES } from '../../schema/tables/saga-tables.ts';
import { num, numOrNull, pageSize, str, strOrNull } from '../common/index.ts';
import type { TripsContext } from './context.ts';

type SagaStatus = 'STARTED' | 'RUNNING' | 'COMPLETED' | 'FAILED';
type SagaChoreography = 'NONE' | 'PENDING' | 'OK' | 'VIOLATED';

const COLUMNS = SAGA_STATES.columns.map((c) => c.name).join(', ');

function steps(text: string): { step: string; at: number }[] {
  try {
    const list: unknown = JSON.parse(text);
    return Array.isArray(list) ? list.filter((x): x is { step: string; at: number } => typeof x?.step === 'string' && typeof x?.at === 'number') : [];
  } catch {
    return [];
  }
}

function sagaNode(r: Row) {
  const startedAt = numOrNull(r['started_at']);
  const endedAt = numOrNull(r['ended_at']);
  const violations = str(r['violations']);
  return {
    id: strOrNull(r['saga_id']) ?? str(r['booking_id']),
    bookingId: str(r['booking_id']),
    status: str(r['status']).toUpperCase(),
    startedAt,
    endedAt,
    durationSeconds: startedAt !== null && endedAt !== null ? Math.max(0, endedAt - startedAt) / 1000 : null,
    steps: steps(str(r['steps'])),
    lastStep: strOrNull(r['last_step']),
    failedStep: strOrNull(r['failed_step']),
    failureReason: strOrNull(r['failure_reason']),
    driverId: strOrNull(r['driver_id']),
    paymentFailedAt: numOrNull(r['payment_failed_at']),
    bookingCancelledAt: numOrNull(r['booking_cancelled_at']),
    driverReleasedAt: numOrNull(r['driver_released_at']),
    choreography: str(r['choreography']).toUpperCase(),
    violations: violations === '' ? [] : violations.split(','),
    version: num(r['version']),
  };
}

interface SagasArgs {
  readonly status?: SagaStatus | null;
  readonly choreography?: SagaChoreography | null;
  readonly first?: number | null;
}

export const sagaFields = {
  sagas: async (_: unknown, args: SagasArgs, ctx: TripsContext) => {
    const limit = pageSize(args.first, { defaultSize: 20 });
    // a row with no saga event yet (a payment of no booking, an event ahead of its SagaStarted) is not a saga
    const where = ['saga_id IS NOT NULL', 'started_at IS NOT NULL'];
    const params: Record<string, string | number> = { limit };
    if (args.status) {
      where.push('status = {status}');
      params['status'] = args.status.toLowerCase();
    }
    if (args.choreography) {
      where.push('choreography = {choreography}');
      params['choreography'] = args.choreography.toLowerCase();
    }
    const rows = await ctx.warehouse.query(
      `SELECT ${COLUMNS} FROM ${SAGA_STATES.name} WHERE ${where.join(' AND ')} ORDER BY started_at DESC, booking_id DESC LIMIT {limit}`,
      params,
    );
    return rows.map(sagaNode);
  },
  saga: async (_: unknown, args: { readonly id: string }, ctx: TripsContext) => {
    const rows = await ctx.warehouse.query(
      `SELECT ${COLUMNS} FROM ${SAGA_STATES.name} WHERE (saga_id = {id} OR booking_id = {id}) AND saga_id IS NOT NULL ORDER BY version DESC LIMIT 1`,
      { id: args.id },
    );
    const row = rows[0];
    return row ? sagaNode(row) : null;
  },
};
