/** The machine a run happened on: every result file starts with it. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The npm packages our engines and connectors run on (what the figures are of). */
export const OUR_PACKAGES = ['graphql', '@graphql-hive/gateway-runtime', '@graphql-hive/router-runtime', 'graphql-ws', '@duckdb/node-api', '@clickhouse/client', 'onnxruntime-node', 'kafkajs', 'ioredis', 'pg'] as const;
/** The peers and the load generator, from the dev dependencies. */
export const PEER_PACKAGES = ['@apollo/gateway', '@apollo/server', '@graphql-hive/gateway', 'autocannon'] as const;

export interface Machine {
  readonly cpuModel: string;
  readonly cpuCount: number;
  readonly totalMemoryGiB: number;
  readonly node: string;
  readonly kernel: string;
  readonly platform: string;
  /** 1-minute load average when the description was taken (how busy the box already was). */
  readonly loadAverage1m: number;
  /** Installed versions (node_modules) of our engines' packages; "missing" when not installed. */
  readonly ours: Readonly<Record<string, string>>;
  /** Installed versions of the peers' packages and the load generator. */
  readonly peers: Readonly<Record<string, string>>;
  /** Hive Router, the services-profile query engine (scripts/hive-router.sh): its version and whether it is built here. */
  readonly hiveRouter: string;
}

/** The version in node_modules/<name>/package.json, or "missing". */
export function installedVersion(name: string, root = ROOT): string {
  try {
    const pkg = JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'missing';
  }
}

function versions(names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.map((n) => [n, installedVersion(n)]));
}

/** `VERSION=` of scripts/hive-router.sh, and whether its cached binary exists (`path` exits 3 when not built). */
function hiveRouter(): string {
  const script = path.join(ROOT, 'scripts/hive-router.sh');
  let version = 'unknown';
  try {
    version = /^VERSION=(\S+)/m.exec(readFileSync(script, 'utf8'))?.[1] ?? 'unknown';
  } catch {
    return 'no scripts/hive-router.sh';
  }
  try {
    execFileSync('bash', [script, 'path'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] });
    return `${version} (built)`;
  } catch {
    return `${version} (not built here: scripts/hive-router.sh build)`;
  }
}

function kernelRelease(): string {
  try {
    return execFileSync('uname', ['-r'], { encoding: 'utf8', timeout: 2000 }).trim();
  } catch {
    return os.release();
  }
}

export function describeMachine(): Machine {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpuCount: cpus.length,
    totalMemoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    kernel: kernelRelease(),
    platform: `${os.platform()} ${os.arch()}`,
    loadAverage1m: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
    ours: versions(OUR_PACKAGES),
    peers: versions(PEER_PACKAGES),
    hiveRouter: hiveRouter(),
  };
}

const list = (v: Readonly<Record<string, string>>): string => Object.entries(v).map(([k, x]) => `${k} ${x}`).join(', ');

export function machineLines(m: Machine): string[] {
  return [
    `- CPU: ${m.cpuModel} x ${m.cpuCount}`,
    `- memory: ${m.totalMemoryGiB} GiB`,
    `- Node.js: ${m.node} (${m.platform})`,
    `- kernel (uname -r): ${m.kernel}`,
    `- load average (1 min) at start: ${m.loadAverage1m}`,
    `- ours: ${list(m.ours)}; Hive Router ${m.hiveRouter}`,
    `- peers: ${list(m.peers)}`,
  ];
}
