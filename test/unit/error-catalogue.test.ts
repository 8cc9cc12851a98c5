/**
 * The error catalogue (schema/errors.ts) against its documentation and its use: every code is in
 * docs/errors.md and docs/errors.md names no other; the file is what scripts/errors-doc.ts
 * generates; every code is raised or handled somewhere in the source outside the catalogue; and a
 * `code`-exposed error (CONNECTOR_UNAVAILABLE) reaches callers with its generic message only.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { GraphQLFormattedError } from 'graphql';
import { pino } from 'pino';
import { ERRORS_DOC, renderErrorsDoc } from '../../scripts/errors-doc.ts';
import { ERROR_CATALOGUE, ERROR_CODE_LIST, ErrorCodes, PUBLIC_CODES, PlatformError, callerMessage, formatError, isErrorCode } from '../../schema/errors.ts';
import { createErrorFormatter } from '../../subgraphs/common/errors.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SOURCE_DIRS = ['bin', 'connectors', 'gateway', 'jobs', 'subgraphs', 'schema', 'scripts'];
const CATALOGUE_FILE = path.join('schema', 'errors.ts');

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(path.join(ROOT, dir), { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)));
}

const documentedCodes = (doc: string): string[] => [...doc.matchAll(/^### ([A-Z][A-Z0-9_]*)$/gm)].map((m) => m[1] ?? '');

void describe('error catalogue', () => {
  void test('every code is documented in docs/errors.md', async () => {
    const documented = new Set(documentedCodes(await readFile(ERRORS_DOC, 'utf8')));
    const missing = ERROR_CODE_LIST.filter((c) => !documented.has(c));
    assert.deepEqual(missing, [], missing.map((c) => `code ${c} is in schema/errors.ts but not documented in docs/errors.md (run node scripts/errors-doc.ts)`).join('\n'));
  });

  void test('docs/errors.md documents no code the catalogue lacks', async () => {
    const unknown = documentedCodes(await readFile(ERRORS_DOC, 'utf8')).filter((c) => !isErrorCode(c));
    assert.deepEqual(unknown, [], unknown.map((c) => `docs/errors.md documents ${c}, which schema/errors.ts does not define`).join('\n'));
  });

  void test('docs/errors.md is what scripts/errors-doc.ts generates', async () => {
    assert.equal(await readFile(ERRORS_DOC, 'utf8'), renderErrorsDoc(), 'docs/errors.md differs from the catalogue: run node scripts/errors-doc.ts');
  });

  void test('every code is used in the source outside schema/errors.ts', async () => {
    const files = (await Promise.all(SOURCE_DIRS.map(sourceFiles))).flat().filter((f) => f !== CATALOGUE_FILE);
    const texts = await Promise.all(files.map((f) => readFile(path.join(ROOT, f), 'utf8')));
    const unused = ERROR_CODE_LIST.filter((code) => {
      const used = new RegExp(`['"\`]${code}['"\`]|ErrorCodes\\.${code}\\b`);
      return !texts.some((t) => used.test(t));
    });
    assert.deepEqual(
      unused,
      [],
      unused.map((c) => `code ${c} is in schema/errors.ts but no file under ${SOURCE_DIRS.join(', ')} (outside schema/errors.ts) uses it: raise it where it happens or remove it`).join('\n'),
    );
  });

  void test('the legacy exports agree with the catalogue', () => {
    for (const code of ERROR_CODE_LIST) assert.equal(ErrorCodes[code], code);
    assert.deepEqual([...PUBLIC_CODES].sort(), ERROR_CODE_LIST.filter((c) => ERROR_CATALOGUE[c].expose === 'message').sort());
    assert.ok(PUBLIC_CODES.has('BAD_USER_INPUT'));
    assert.ok(!PUBLIC_CODES.has('CONNECTOR_UNAVAILABLE'));
  });

  void test('message templates fill their parameters; PlatformError.of keeps them as details with the status', () => {
    assert.equal(formatError('CDC_SLOT_IN_USE', { slot: 'gofuture_cdc' }), 'replication slot gofuture_cdc is in use by another connection');
    const e = PlatformError.of('LISTEN_FAILED', { host: '127.0.0.1', port: 4000, reason: 'EADDRINUSE' });
    assert.equal(e.message, 'cannot listen on 127.0.0.1:4000: EADDRINUSE');
    assert.deepEqual(e.details, { host: '127.0.0.1', port: 4000, reason: 'EADDRINUSE' });
    assert.equal(e.status, 500);
    assert.equal(callerMessage('BAD_USER_INPUT', 'first must be >= 0'), 'first must be >= 0');
    assert.equal(callerMessage('CONNECTOR_UNAVAILABLE', 'redis at 10.1.2.3:6379 refused'), ERROR_CATALOGUE.CONNECTOR_UNAVAILABLE.message);
    assert.equal(callerMessage('WAREHOUSE_QUERY_FAILED', 'syntax error near SELEC'), null);
  });

  for (const production of [false, true]) {
    void test(`CONNECTOR_UNAVAILABLE reaches callers with the generic message only (${production ? 'production' : 'development'})`, () => {
      const format = createErrorFormatter({ production, logger: pino({ level: 'silent' }) });
      const err = new PlatformError('CONNECTOR_UNAVAILABLE', 'onlineStore/redis cannot reach 10.1.2.3:6379: ECONNREFUSED', { url: 'redis://10.1.2.3:6379' });
      const formatted: GraphQLFormattedError = { message: err.message, path: ['onlineFeatures'] };
      const out = format(formatted, err);
      assert.equal(out.extensions?.['code'], 'CONNECTOR_UNAVAILABLE');
      assert.equal(out.message, ERROR_CATALOGUE.CONNECTOR_UNAVAILABLE.message);
      assert.doesNotMatch(JSON.stringify(out), /10\.1\.2\.3|6379|redis/);
    });
  }
});
