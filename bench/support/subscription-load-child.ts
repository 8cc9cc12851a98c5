/**
 * One shard of the subscription load generator, in its own process (bench/support/subscription-load.ts
 * starts it; `ws` sockets, the graphql-ws protocol spoken by hand to keep a socket cheap): opens
 * `count` WebSockets, one graphql-ws subscription each, and stamps every update on arrival. The
 * update carries its seq (`tripCount`) and its publish instant (`revenue`, epoch ms from
 * performance.timeOrigin + now(), comparable across processes of one machine). Commands on IPC:
 * `reset` (forget what arrived so far, from seq `from` on), `report` (histogram of event -> client
 * latency at 0.1 ms, first and last arrival per seq, updates per socket, closes), `stop`.
 */
import WebSocket from 'ws';
import { mintDevToken } from '../../gateway/plugins/auth-token.ts';

export interface ShardSpec {
  readonly url: string;
  readonly count: number;
  readonly first: number;
  readonly query: string;
  readonly variables: Record<string, unknown>;
  /** HS256 secret to mint each socket its own dashboard token; none: no connection_init payload. */
  readonly jwtSecret?: string;
  /** Source addresses cycled over (each has its own ephemeral port range). */
  readonly localAddresses: readonly string[];
  /** Sockets opening at once. */
  readonly concurrency: number;
}

export interface ShardReport {
  readonly connected: number;
  readonly failed: number;
  readonly closed: number;
  readonly closeCodes: Record<string, number>;
  /** Sockets with at least one update since the last reset. */
  readonly live: number;
  /** Latency histogram, 0.1 ms bins; the last bin is everything beyond. */
  readonly histogram: number[];
  /** seq -> [first arrival, last arrival, arrivals] (epoch ms). */
  readonly perSeq: Record<string, [number, number, number]>;
  /** Updates per socket since the last reset (index = socket). */
  readonly perSocket: number[];
}

type Command = { type: 'start'; spec: ShardSpec } | { type: 'reset'; from: number } | { type: 'report' } | { type: 'stop' };

const BINS = 100_000; // 0.1 ms each: up to 10 s
const SEQ = /"tripCount":(\d+)/;
const SENT = /"revenue":([0-9.e+]+)/;
const now = (): number => performance.timeOrigin + performance.now();

let sockets: WebSocket[] = [];
let histogram = new Uint32Array(BINS + 1);
let perSeq = new Map<number, [number, number, number]>();
let perSocket: Uint32Array = new Uint32Array(0);
let from = 0;
let failed = 0;
let closed = 0;
const closeCodes: Record<string, number> = {};

function onUpdate(i: number, text: string): void {
  const at = now();
  const seq = Number(SEQ.exec(text)?.[1] ?? -1);
  if (seq < from) return;
  const sent = Number(SENT.exec(text)?.[1] ?? NaN);
  perSocket[i] = (perSocket[i] ?? 0) + 1;
  const bin = Math.min(BINS, Math.max(0, Math.floor((at - sent) * 10)));
  histogram[bin] = (histogram[bin] ?? 0) + 1;
  const s = perSeq.get(seq);
  if (s) {
    if (at < s[0]) s[0] = at;
    if (at > s[1]) s[1] = at;
    s[2]++;
  } else perSeq.set(seq, [at, at, 1]);
}

async function open(spec: ShardSpec, i: number): Promise<void> {
  const local = spec.localAddresses[i % spec.localAddresses.length];
  const token = spec.jwtSecret ? await mintDevToken({ secret: spec.jwtSecret, roles: ['dashboard'], subject: `bench-dashboard-${spec.first + i}`, ttlSeconds: 6 * 3600 }) : undefined;
  await new Promise<void>((resolve) => {
    const ws = new WebSocket(spec.url, 'graphql-transport-ws', { ...(local ? { localAddress: local } : {}), perMessageDeflate: false });
    sockets[i] = ws;
    let settled = false;
    const done = (ok: boolean): void => {
      if (settled) return;
      settled = true;
      if (!ok) failed++;
      resolve();
    };
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', ...(token ? { payload: { authorization: `Bearer ${token}` } } : {}) })));
    ws.on('message', (data: Buffer) => {
      const text = data.toString();
      if (text.startsWith('{"id"') || text.includes('"type":"next"')) {
        onUpdate(i, text);
        return;
      }
      if (text.includes('"connection_ack"')) {
        ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: spec.query, variables: spec.variables } }));
        done(true);
      } else if (text.includes('"ping"')) ws.send('{"type":"pong"}');
    });
    ws.on('error', () => done(false));
    ws.on('close', (code) => {
      closed++;
      closeCodes[String(code)] = (closeCodes[String(code)] ?? 0) + 1;
      done(false);
    });
  });
}

async function start(spec: ShardSpec): Promise<number> {
  sockets = new Array<WebSocket>(spec.count);
  perSocket = new Uint32Array(spec.count);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < spec.count; i = next++) await open(spec, i);
  };
  await Promise.all(Array.from({ length: spec.concurrency }, worker));
  return spec.count - failed;
}

function report(): ShardReport {
  let live = 0;
  for (const n of perSocket) if (n > 0) live++;
  return {
    connected: sockets.filter((s) => s.readyState === WebSocket.OPEN).length,
    failed,
    closed,
    closeCodes,
    live,
    histogram: [...histogram],
    perSeq: Object.fromEntries(perSeq),
    perSocket: [...perSocket],
  };
}

process.on('message', (m: Command) => {
  if (m.type === 'start') {
    start(m.spec).then(
      (connected) => process.send?.({ type: 'started', connected, failed }),
      (e: unknown) => process.send?.({ type: 'started', connected: 0, failed: m.spec.count, error: String(e) }),
    );
  } else if (m.type === 'reset') {
    from = m.from;
    histogram = new Uint32Array(BINS + 1);
    perSeq = new Map();
    perSocket = new Uint32Array(sockets.length);
    process.send?.({ type: 'reset' });
  } else if (m.type === 'report') {
    process.send?.({ type: 'report', report: report() });
  } else {
    for (const s of sockets) s?.terminate();
    process.send?.({ type: 'stopped' });
    setTimeout(() => process.exit(0), 50);
  }
});
