/**
 * Per-request DataLoaders built from batch functions. Make a fresh set in each request's context
 * factory: every `load` of one tick is batched into ONE call of the batch function (one warehouse
 * query per entity type per request) and cached for the rest of that request only.
 */
import DataLoader from 'dataloader';

export interface LoaderOptions {
  /** Largest key list one batch call gets (default 5000: above the largest page a query may ask). */
  readonly maxBatchSize?: number;
}

const DEFAULT_MAX_BATCH = 5000;

/**
 * One value (or null) per key. `fetch` gets the distinct keys of a batch and returns the rows it
 * found, in any order; `keyOf` says which key a row answers.
 */
export function createLoader<K extends string | number, V>(
  fetch: (keys: readonly K[]) => Promise<readonly V[]>,
  keyOf: (row: V) => K,
  opts: LoaderOptions = {},
): DataLoader<K, V | null> {
  return new DataLoader<K, V | null>(
    async (keys) => {
      const rows = await fetch(keys);
      const byKey = new Map<K, V>();
      for (const row of rows) byKey.set(keyOf(row), row);
      return keys.map((k) => byKey.get(k) ?? null);
    },
    { maxBatchSize: opts.maxBatchSize ?? DEFAULT_MAX_BATCH },
  );
}

/** Every row of a key, in the order `fetch` returned them (an empty list for a key with none). */
export function createGroupLoader<K extends string | number, V>(
  fetch: (keys: readonly K[]) => Promise<readonly V[]>,
  keyOf: (row: V) => K,
  opts: LoaderOptions = {},
): DataLoader<K, V[]> {
  return new DataLoader<K, V[]>(
    async (keys) => {
      const rows = await fetch(keys);
      const byKey = new Map<K, V[]>();
      for (const row of rows) {
        const k = keyOf(row);
        const list = byKey.get(k);
        if (list) list.push(row);
        else byKey.set(k, [row]);
      }
      return keys.map((k) => byKey.get(k) ?? []);
    },
    { maxBatchSize: opts.maxBatchSize ?? DEFAULT_MAX_BATCH },
  );
}
