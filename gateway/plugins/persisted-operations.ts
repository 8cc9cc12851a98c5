/**
 * Persisted operations: a manifest (JSON object, sha256 hex of the document -> document) built from
 * a folder of `.graphql` files (the BI team's operations) by `gofuture persisted build`, served by
 * the runtime's persisted documents support (Yoga's usePersistedOperations). Callers send
 * `extensions.persistedQuery.sha256Hash` (Apollo) or `documentId` (GraphQL over HTTP / Hive) instead
 * of the query. `allowListOnly`: nothing else runs (PERSISTED_QUERY_REQUIRED); an unknown hash is
 * PERSISTED_QUERY_NOT_FOUND either way. The same key -> document map is what Hive Router's
 * `persisted_documents` file storage reads.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, print, Kind } from 'graphql';
import { PlatformError, errorMessage } from '../../schema/errors.ts';
import type { PersistedOperationsConfig } from './policy-config.ts';

export type PersistedManifest = Readonly<Record<string, string>>;

export function documentHash(document: string): string {
  return createHash('sha256').update(document).digest('hex');
}

/** The canonical text of a document: what is hashed and stored (whitespace and comments do not matter). */
export function canonicalDocument(source: string, file = 'document'): string {
  let doc;
  try {
    doc = parse(source);
  } catch (e) {
    throw new PlatformError('CONFIG_INVALID', `persisted operations: ${file} does not parse: ${errorMessage(e)}`, { file });
  }
  const operations = doc.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (operations.length !== 1) {
    throw new PlatformError('CONFIG_INVALID', `persisted operations: ${file} must hold exactly one operation (found ${operations.length})`, { file });
  }
  return print(doc);
}

async function graphqlFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await graphqlFiles(full)));
    else if (entry.name.endsWith('.graphql') || entry.name.endsWith('.gql')) out.push(full);
  }
  return out.sort();
}

/** Every `.graphql` file under `dir` (one operation each, fragments alongside) -> hash -> document. */
export async function buildPersistedManifest(dir: string): Promise<Record<string, string>> {
  const files = await graphqlFiles(dir);
  if (files.length === 0) throw new PlatformError('CONFIG_INVALID', `persisted operations: no .graphql files under ${dir}`, { dir });
  const manifest: Record<string, string> = {};
  for (const file of files) {
    const doc = canonicalDocument(await readFile(file, 'utf8'), path.relative(dir, file));
    manifest[documentHash(doc)] = doc;
  }
  return manifest;
}

export function loadPersistedManifest(file: string): PersistedManifest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new PlatformError('CONFIG_INVALID', `persisted operations: cannot read manifest ${file}: ${errorMessage(e)}`, { path: file });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !Object.values(parsed).every((v) => typeof v === 'string')) {
    throw new PlatformError('CONFIG_INVALID', `persisted operations: manifest ${file} is not an object of hash -> document`, { path: file });
  }
  return parsed as PersistedManifest;
}

const coded = (code: string, message: string) => ({ message, extensions: { code, http: { status: 400 } } });

/** The runtime's `persistedDocuments` option for this config, or undefined when no manifest is set. */
export function persistedDocumentsOption(config: PersistedOperationsConfig) {
  if (!config.manifest) {
    if (config.allowListOnly) throw new PlatformError('CONFIG_INVALID', 'persisted operations: allowListOnly needs gateway.persistedOperations.manifest', { path: 'gateway.persistedOperations.manifest' });
    return undefined;
  }
  const manifest = loadPersistedManifest(config.manifest);
  return {
    getPersistedOperation: (key: string): string | null => (Object.hasOwn(manifest, key) ? (manifest[key] ?? null) : null),
    allowArbitraryDocuments: !config.allowListOnly,
    customErrors: {
      notFound: coded('PERSISTED_QUERY_NOT_FOUND', 'persisted operation not found in the manifest'),
      persistedQueryOnly: coded('PERSISTED_QUERY_REQUIRED', 'only persisted operations are allowed: send extensions.persistedQuery.sha256Hash or documentId'),
      keyNotFound: coded('PERSISTED_QUERY_REQUIRED', 'only persisted operations are allowed: send extensions.persistedQuery.sha256Hash or documentId'),
    },
  };
}
