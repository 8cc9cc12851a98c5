/**
 * Writes docs/errors.md from the error catalogue (schema/errors.ts), as Fastify keeps
 * docs/Reference/Errors.md next to lib/errors.js: `node scripts/errors-doc.ts` (or `--check`:
 * exit 1 when the file differs). test/unit/error-catalogue.test.ts fails when it is out of date.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ERROR_CATALOGUE, ERROR_CODE_LIST, type Exposure } from '../schema/errors.ts';

export const ERRORS_DOC = path.join(import.meta.dirname, '..', 'docs', 'errors.md');

const SHOWN: Readonly<Record<Exposure, string>> = {
  message: 'code and message',
  code: 'code and the generic message',
  none: 'no (masked in production)',
};

export function renderErrorsDoc(): string {
  const rows = ERROR_CODE_LIST.map((c) => {
    const s = ERROR_CATALOGUE[c];
    return `| [\`${c}\`](#${c.toLowerCase()}) | ${s.status} | ${SHOWN[s.expose]} | \`${s.message.replaceAll('|', '\\|')}\` |`;
  });
  const sections = ERROR_CODE_LIST.flatMap((c) => {
    const s = ERROR_CATALOGUE[c];
    return ['', `### ${c}`, '', `HTTP ${s.status} · shown to callers: ${SHOWN[s.expose]} · template: \`${s.message}\``, '', s.description];
  });
  return [
    '# Error codes',
    '',
    '<!-- Generated from schema/errors.ts by `node scripts/errors-doc.ts`; do not edit by hand. -->',
    '',
    'Every error the platform raises on purpose carries one of these stable codes; at the GraphQL edge',
    'it is `extensions.code`. "Shown to callers": *code and message*, the caller\'s own doing, shown as',
    'raised; *code and the generic message*, the code with the template below (hosts, ports and other',
    'details go to the logs only); *no*, logged with the request id and, in production, answered as',
    '`INTERNAL_SERVER_ERROR` with that `requestId`. The HTTP status applies where the error decides',
    'the response (a request refused as a whole, a start-up failure); a GraphQL result that carries',
    'data stays 200. Start-up errors end the process with one line `gofuture: CODE: message`',
    '(exit 78 for `CONFIG_INVALID`, else 1).',
    '',
    '| code | HTTP | shown to callers | message template |',
    '|---|---|---|---|',
    ...rows,
    ...sections,
    '',
  ].join('\n');
}

if (import.meta.main) {
  const text = renderErrorsDoc();
  if (process.argv.includes('--check')) {
    const current = await readFile(ERRORS_DOC, 'utf8').catch(() => '');
    if (current !== text) {
      process.stderr.write('docs/errors.md is out of date: run node scripts/errors-doc.ts\n');
      process.exit(1);
    }
  } else {
    await writeFile(ERRORS_DOC, text, 'utf8');
    process.stdout.write(`wrote ${ERRORS_DOC} (${ERROR_CODE_LIST.length} codes)\n`);
  }
}
