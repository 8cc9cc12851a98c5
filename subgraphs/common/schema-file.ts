/** Reads a subgraph's SDL from schema/subgraphs/<name>.graphql. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, type DocumentNode } from 'graphql';

const NAME = /^[a-z][a-z0-9-]*$/;

export function subgraphSdlPath(name: string): string {
  if (!NAME.test(name)) throw new Error(`invalid subgraph name "${name}"`);
  return fileURLToPath(new URL(`../../schema/subgraphs/${name}.graphql`, import.meta.url));
}

/** The parsed SDL of schema/subgraphs/<name>.graphql (read synchronously, once per call). */
export function loadSubgraphTypeDefs(name: string): DocumentNode {
  return parse(readFileSync(subgraphSdlPath(name), 'utf8'));
}
