/**
 * The gateway command line: flags, env, defaults, clear errors naming the bad flag, and a real
 * start that stops on SIGTERM.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { parseGatewayArgs, runGatewayCli } from '../../gateway/cli.ts';
import { composeSupergraph } from '../../gateway/compose.ts';
import { isPlatformError } from '../../schema/errors.ts';

const noEnv = {};

function rejectsFlag(argv: string[], flag: string, env: Record<string, string> = noEnv): void {
  assert.throws(
    () => parseGatewayArgs(argv, env),
    (e: unknown) => isPlatformError(e) && e.code === 'CONFIG_INVALID' && e.message.includes(flag) && e.message.includes('usage: gateway'),
    `${argv.join(' ')} should be refused naming ${flag}`,
  );
}

void describe('parseGatewayArgs', () => {
  void test('--supergraph FILE --port N', () => {
    assert.deepEqual(parseGatewayArgs(['--supergraph', 'sg.graphql', '--port', '5000'], noEnv), {
      supergraph: { kind: 'file', path: 'sg.graphql' }, port: 5000, host: '127.0.0.1', planner: 'js', production: false,
    });
  });

  void test('repeated --subgraph name=url, --flag=value form, planner, host, production', () => {
    const o = parseGatewayArgs(['--subgraph', 'trips=http://127.0.0.1:4001/graphql', '--subgraph=payments=http://127.0.0.1:4002/graphql', '--planner=rust', '--host', '0.0.0.0', '--production'], noEnv);
    assert.deepEqual(o.supergraph, {
      kind: 'subgraphs',
      subgraphs: [{ name: 'trips', url: 'http://127.0.0.1:4001/graphql' }, { name: 'payments', url: 'http://127.0.0.1:4002/graphql' }],
    });
    assert.equal(o.planner, 'rust');
    assert.equal(o.host, '0.0.0.0');
    assert.equal(o.production, true);
  });

  void test('port: --port beats PORT, PORT beats the default 4000; NODE_ENV=production implies production', () => {
    assert.equal(parseGatewayArgs(['--supergraph', 'f'], noEnv).port, 4000);
    assert.equal(parseGatewayArgs(['--supergraph', 'f'], { PORT: '4100' }).port, 4100);
    assert.equal(parseGatewayArgs(['--supergraph', 'f', '--port', '4200'], { PORT: '4100' }).port, 4200);
    assert.equal(parseGatewayArgs(['--supergraph', 'f'], { NODE_ENV: 'production' }).production, true);
  });

  void test('bad input is a clear error naming the flag', () => {
    rejectsFlag(['--supergraph', 'f', '--port', 'abc'], '--port');
    rejectsFlag(['--supergraph', 'f', '--port=70000'], '--port');
    rejectsFlag(['--supergraph', 'f'], 'PORT', { PORT: 'x' });
    rejectsFlag(['--supergraph', 'f', '--verbose'], '--verbose');
    rejectsFlag(['--supergraph'], '--supergraph');
    rejectsFlag(['--supergraph', 'f', 'stray'], '"stray"');
    rejectsFlag(['--subgraph', 'trips'], '--subgraph');
    rejectsFlag(['--subgraph', 'trips=notaurl'], '--subgraph');
    rejectsFlag(['--subgraph', 'a=http://x/graphql', '--subgraph', 'a=http://y/graphql'], '--subgraph');
    rejectsFlag(['--supergraph', 'f', '--subgraph', 'a=http://x/graphql'], '--supergraph');
    rejectsFlag([], '--supergraph FILE or --subgraph name=url');
    rejectsFlag(['--supergraph', 'f', '--planner', 'go'], '--planner');
    rejectsFlag(['--supergraph', 'f', '--production=yes'], '--production');
  });
});

void describe('runGatewayCli', () => {
  void test('starts from a supergraph file and stops cleanly on SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gateway-cli-'));
    try {
      const path = join(dir, 'supergraph.graphql');
      const link = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])';
      await writeFile(path, composeSupergraph([{ name: 'users', url: 'http://127.0.0.1:1/graphql', sdl: `${link} type Query { hello: String }` }]));
      const before = process.listenerCount('SIGTERM');
      const gw = await runGatewayCli(['--supergraph', path, '--port', '0'], noEnv, pino({ level: 'silent' }));
      try {
        assert.ok(process.listenerCount('SIGTERM') > before, 'a SIGTERM handler is installed');
        const health = `http://127.0.0.1:${gw.port}/health`;
        assert.equal((await fetch(health)).status, 200);

        process.emit('SIGTERM', 'SIGTERM');
        const deadline = Date.now() + 5000;
        while (process.listenerCount('SIGTERM') > before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        assert.equal(process.listenerCount('SIGTERM'), before, 'signal handlers removed after stopping');
        await assert.rejects(fetch(health), 'server no longer listening');
      } finally {
        await gw.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
