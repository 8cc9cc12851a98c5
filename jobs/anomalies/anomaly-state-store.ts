/**
 * The detectors' state per entity (a driver or a user), one row each, with the log offset of the
 * last event applied: an event at or below it is a replay and is skipped, so a restart continues
 * each entity exactly where its stored state stands (entities live in one partition: topics are
 * keyed by driver_id / user_id). Rows are read once per entity and cached (the job is the only
 * writer). Private to the job.
 */
import type { Warehouse } from '../../connectors/contracts/warehouse.ts';
import { PlatformError } from '../../schema/errors.ts';
import type { TableContract } from '../../schema/tables/warehouse-tables.ts';
import { num, str } from '../landing/landing-support.ts';

export const ANOMALY_STATE: TableContract = {
  name: 'anomaly_state',
  columns: [
    { name: 'entity', type: 'string' },
    { name: 'state', type: 'string' },
    { name: 'last_offset', type: 'int64' },
    { name: 'version', type: 'int64' },
  ],
  orderBy: ['entity'],
  dedup: { key: ['entity'], version: 'version' },
};

export interface EntityState<S> {
  readonly state: S;
  /** Offset of the last applied event, -1 when none. */
  readonly lastOffset: number;
}

const CHUNK = 500;

export class AnomalyStateStore {
  readonly #wh: Warehouse;
  readonly #cache = new Map<string, EntityState<unknown>>();

  constructor(wh: Warehouse) {
    this.#wh = wh;
  }

  /** Loads the entities not cached yet; unreadable state reads as none (the detector starts over). */
  async load(entities: readonly string[]): Promise<void> {
    const missing = [...new Set(entities)].filter((e) => !this.#cache.has(e));
    for (let i = 0; i < missing.length; i += CHUNK) {
      const part = missing.slice(i, i + CHUNK);
      const rows = await this.#wh.query(`SELECT entity, state, last_offset FROM ${ANOMALY_STATE.name} WHERE entity IN ({ids})`, { ids: part });
      for (const r of rows) {
        let state: unknown = null;
        try {
          state = JSON.parse(str(r, 'state'));
        } catch {
          state = null;
        }
        this.#cache.set(str(r, 'entity'), { state, lastOffset: num(r, 'last_offset', -1) });
      }
    }
  }

  /** The cached state of a loaded entity (the caller validates its shape), or null. */
  get(entity: string): EntityState<unknown> | null {
    return this.#cache.get(entity) ?? null;
  }

  /** Stores the new states (one row each) and caches them. */
  async save(changed: ReadonlyMap<string, EntityState<unknown>>): Promise<void> {
    if (changed.size === 0) return;
    const rows = [...changed].map(([entity, s]) => ({ entity, state: JSON.stringify(s.state), last_offset: s.lastOffset, version: s.lastOffset }));
    const r = await this.#wh.insert(ANOMALY_STATE.name, rows);
    const bad = r.rejected[0];
    if (bad) throw new PlatformError('WAREHOUSE_ROW_REJECTED', `anomaly state rejected: ${bad.reason}`, { table: ANOMALY_STATE.name });
    for (const [e, s] of changed) this.#cache.set(e, s);
  }
}
