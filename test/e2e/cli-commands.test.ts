/**
 * The command line's help and the gateway command, in real child processes: `--help`, `-h`,
 * `help`, no arguments and per-command help print usage and exit 0; an unknown command exits
 * non-zero; `gofuture gateway` answers `/health` (served by its front door while the gateway
 * thread may still be loading the runtime), then GraphQL, and stops on SIGINT.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { COMMANDS } from '../../bin/gofuture.ts';
import { JOB_NAMES, SUBGRAPH_NAMES } from '../../bin/config.ts';
import { composeSupergraph } from '../../gateway/compose.ts';
import { eventually, gql } from './support.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(ROOT, 'bin/gofuture.ts');

async function runCli(args: readonly string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, out, err };
}

void describe('gofuture help', () => {
  for (const args of [['--help'], ['-h'], ['help'], []]) {
    void it(`"${args.join(' ')}" prints the usage of every command and exits 0`, async () => {
      const r = await runCli(args);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /^usage: gofuture <command>/);
      for (const name of Object.keys(COMMANDS)) assert.match(r.out, new RegExp(`gofuture ${name} `), `usage lists ${name}`);
    });
  }

  for (const args of [['gateway', '--help'], ['start', '-h'], ['help', 'run']]) {
    void it(`"${args.join(' ')}" prints that command's usage and exits 0`, async () => {
      const r = await runCli(args);
      const name = args[0] === 'help' ? args[1] : args[0];
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, new RegExp(`^${name}: .*\\nusage: gofuture ${name}`));
    });
  }

  void it('an unknown command exits non-zero naming it', async () => {
    const r = await runCli(['frobnicate']);
    assert.notEqual(r.code, 0);
    assert.match(r.err, /unknown command "frobnicate"/);
  });

  void it('the usage names every subgraph and every job', () => {
    const lines = Object.values(COMMANDS).flatMap((c) => c.usage).join('\n');
    for (const n of [...SUBGRAPH_NAMES, ...JOB_NAMES]) assert.ok(lines.includes(n), `usage should name ${n}`);
  });
});

void describe('gofuture gateway', () => {
  let dir: string;
  let supergraph: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gofuture-gw-'));
    supergraph = path.join(dir, 'supergraph.graphql');
    const link = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])';
    await writeFile(supergraph, composeSupergraph([{ name: 'hello', url: 'http://127.0.0.1:1/graphql', sdl: `${link} type Query { hello: String }` }]));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  void it('answers /health, then GraphQL, and exits 0 on SIGINT', async () => {
    const child = spawn(process.execPath, [CLI, 'gateway', '--supergraph', supergraph, '--port', '0'], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const url = await eventually('the front door line', 30_000, () => {
        if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${out}`);
        return /gateway front listening: (http:\/\/\S+?\/graphql)/.exec(out)?.[1];
      });
      const health = await fetch(new URL('/health', url));
      assert.equal(health.status, 200);
      assert.equal(((await health.json()) as { status: string }).status, 'ok');
      const typename = await eventually('GraphQL through the gateway thread', 30_000, async () => {
        const r = await gql<{ __typename: string }>(url, '{ __typename }');
        return r.status === 200 ? r.body.data?.__typename : undefined;
      });
      assert.equal(typename, 'Query');
    } finally {
      child.kill('SIGINT');
      const [code] = (await once(child, 'exit')) as [number | null];
      assert.equal(code, 0, out.slice(-2000));
    }
  });
});
