/**
 * `gofuture features list | historical | materialize`, the feature store from the command line in
 * Feast's terms:
 *   list                                  entities and feature views (source table, TTL, features)
 *   historical REF... --ids A,B --at ISO  point-in-time values (get_historical_features), NDJSON
 *   historical REF... --entity-rows FILE  entity rows from an NDJSON file ({"driver_id": .., "event_timestamp": ms | ISO, ...})
 *   materialize START END [--views a,b]   offline -> online for event times in (START, END]
 *   materialize --incremental [END]       from each view's high-water mark to END (default now)
 * REF is `view:feature` or `view` (all its features). The online store is the profile's (embedded:
 * the data dir's snapshot: run it while the platform is stopped, or use the services profile's Redis).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { register as defaultRegistry } from 'prom-client';
import type { OnlineStore } from '../../connectors/contracts/online-store.ts';
import { materialize, materializeIncremental } from '../../jobs/features/materialize.ts';
import { getHistoricalFeatures, type EntityRow } from '../../jobs/features/offline/index.ts';
import { ENTITIES, FEATURE_VIEWS, entityOf } from '../../schema/features/index.ts';
import { loadConfig } from '../config.ts';
import { connectorRegistry } from '../connectors.ts';
import { openFeatureOffline } from '../features-offline.ts';
import { createLogger } from '../logger.ts';

const USAGE = `usage:
  gofuture features list
  gofuture features historical <view:feature|view>... (--ids ID,ID --at ISO | --entity-rows FILE.ndjson) [--full-names]
  gofuture features materialize START END [--views a,b]
  gofuture features materialize --incremental [END] [--views a,b]
  (START / END: ISO instants; common: --profile embedded|services --config FILE --data-dir DIR)`;

const options = {
  profile: { type: 'string' }, config: { type: 'string' }, 'data-dir': { type: 'string' },
  ids: { type: 'string' }, at: { type: 'string' }, 'entity-rows': { type: 'string' }, 'full-names': { type: 'boolean' },
  views: { type: 'string' }, incremental: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
} as const;

const out = (line: string): void => void process.stdout.write(`${line}\n`);

function instant(v: string, what: string): number {
  const t = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(t)) throw new Error(`${what}: not an ISO instant or epoch ms: "${v}"`);
  return t;
}

const duration = (ms: number): string => (ms % 86_400_000 === 0 ? `${ms / 86_400_000}d` : ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : `${ms / 60_000}m`);

function list(): void {
  out('entities:');
  for (const e of ENTITIES) out(`  ${e.name.padEnd(8)} join_key=${e.joinKey}  ${e.description}`);
  out('feature views:');
  for (const v of FEATURE_VIEWS) {
    out(`  ${v.name}  entity=${v.entity} source=${v.source.table} ttl=${duration(v.ttlMs)}${v.online ? ' online' : ''}${v.stream ? ' stream' : ''}`);
    for (const f of v.schema) out(`    ${`${v.name}:${f.name}`.padEnd(36)} ${f.dtype.padEnd(8)} ${f.description}`);
  }
}

async function entityRows(refs: readonly string[], values: { ids?: string | undefined; at?: string | undefined; 'entity-rows'?: string | undefined }): Promise<EntityRow[]> {
  if (values['entity-rows']) {
    const text = await readFile(values['entity-rows'], 'utf8');
    return text.split('\n').filter((l) => l.trim() !== '').map((l, i) => {
      const r = JSON.parse(l) as Record<string, string | number | null>;
      const ts = r.event_timestamp;
      if (ts === undefined || ts === null) throw new Error(`${values['entity-rows']}: line ${i + 1} has no event_timestamp`);
      return { ...r, event_timestamp: typeof ts === 'number' ? ts : instant(ts, `line ${i + 1} event_timestamp`) };
    });
  }
  if (!values.ids || !values.at) throw new Error(`features historical: give --ids and --at, or --entity-rows\n${USAGE}`);
  const at = instant(values.at, '--at');
  const keys = [...new Set(refs.map((r) => {
    const v = FEATURE_VIEWS.find((x) => x.name === r.split(':')[0]);
    return v ? entityOf(v.entity).joinKey : null;
  }).filter((k): k is string => k !== null))];
  return values.ids.split(',').filter(Boolean).map((id) => ({ ...Object.fromEntries(keys.map((k) => [k, id])), event_timestamp: at }));
}

export async function run(argv: readonly string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  const [sub, ...rest] = positionals;
  if (values.help || !sub) return out(USAGE);
  if (sub === 'list') return list();
  if (sub !== 'historical' && sub !== 'materialize') throw new Error(`features: unknown subcommand "${sub}"\n${USAGE}`);
  const config = loadConfig({
    ...(values.profile ? { profile: values.profile } : {}),
    ...(values.config ? { file: values.config } : {}),
    overrides: { ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}), logLevel: process.env.LOG_LEVEL ?? 'warn' },
  });
  const logger = createLogger(config.logLevel);
  const offline = await openFeatureOffline(config, logger, defaultRegistry, 'features-cli');
  try {
    if (sub === 'historical') {
      if (rest.length === 0) throw new Error(`features historical: name at least one feature (view:feature or view)\n${USAGE}`);
      const refs = rest.map((r) => (r.includes(':') ? r : `${r}:*`));
      const rows = await entityRows(refs, values);
      const h = await getHistoricalFeatures(offline.source, rows, refs, { fullFeatureNames: values['full-names'] ?? false, includeEventTimestamps: true });
      for (const r of h.rows) out(JSON.stringify(r));
      process.stderr.write(`${h.rows.length} rows; read ${h.lineage.tables.map((t) => `${t.name}@v${t.version ?? '-'}`).join(', ') || 'no table yet'}\n`);
      return;
    }
    const views = values.views ? values.views.split(',').filter(Boolean) : undefined;
    const store = connectorRegistry().create<OnlineStore>('onlineStore', config.connectors.onlineStore, { logger: logger.child({ connector: 'onlineStore' }), metrics: defaultRegistry }, 'connectors.onlineStore');
    await store.start();
    try {
      const deps = { source: offline.source, store, stateDir: path.join(config.dataDir, 'features'), logger };
      let result;
      if (values.incremental) {
        result = await materializeIncremental(deps, rest[0] ? instant(rest[0], 'END') : Date.now(), views);
      } else {
        const [start, end] = rest;
        if (!start || !end) throw new Error(`features materialize: give START and END, or --incremental\n${USAGE}`);
        result = await materialize(deps, instant(start, 'START'), instant(end, 'END'), views);
      }
      for (const v of result) out(`${v.view.padEnd(14)} ${new Date(v.start).toISOString()} .. ${new Date(v.end).toISOString()}  rows=${v.rows} written=${v.written} newer_online=${v.skippedNewer} expired=${v.skippedExpired}${v.version !== null ? ` version=${v.version}` : ''}`);
    } finally {
      await store.close();
    }
  } finally {
    await offline.close();
  }
}
