/**
 * Regression: an interface fragment spread on a union that one subgraph knows without that
 * interface. The JS planner (`@graphql-tools/delegate`'s `filterSelectionSet`) replaces the field by
 * one inline fragment per member as a nested array; with `@graphql-tools/delegate` pinned to 12.2.1
 * and graphql 16.15's printer, printing the subgraph query threw `Cannot set properties of undefined
 * (setting 'next' | 'dedentAfter')`. delegate 12.3 flattens the selections again. Both planners must
 * answer these queries with the same data.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse, type GraphQLSchema } from 'graphql';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { startGateway, type PlannerKind, type RunningGateway } from '../../gateway/server.ts';

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])';
type Typed = { readonly __typename: string };
const byTypename = { __resolveType: (o: Typed) => o.__typename };

const searchSdl = `${LINK}
  type Trip @key(fields: "id") { id: ID! fare: Float! driver: Driver! }
  type Driver @key(fields: "id") { id: ID! }
  union SearchResult = Trip | Driver
  type Query { search: [SearchResult!]! }`;
const peopleSdl = `${LINK}
  interface Node { id: ID! }
  type Driver implements Node @key(fields: "id") { id: ID! name: String! }
  type Trip implements Node @key(fields: "id") { id: ID! }
  type Query { nodes: [Node!]! }`;

const searchSchema = buildSubgraphSchema({
  typeDefs: parse(searchSdl),
  resolvers: {
    Query: { search: () => [{ __typename: 'Trip', id: 't1', fare: 2, driver: { id: 'd1' } }, { __typename: 'Driver', id: 'd2' }] },
    SearchResult: byTypename,
  } as never,
});
const peopleSchema = buildSubgraphSchema({
  typeDefs: parse(peopleSdl),
  resolvers: {
    Query: { nodes: () => [] },
    Node: byTypename,
    Trip: { __resolveReference: (r: { id: string }) => r },
    Driver: { __resolveReference: (r: { id: string }) => ({ id: r.id, name: `driver ${r.id}` }) },
  } as never,
});

async function serve(schema: GraphQLSchema): Promise<{ url: string; stop: () => Promise<void> }> {
  const server = new ApolloServer({ schema, logger: { debug() {}, info() {}, warn() {}, error() {} } });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  return { url, stop: () => server.stop() };
}

const CASES: readonly { query: string; data: unknown }[] = [
  { query: '{ search { ... on Node { id } } }', data: { search: [{ id: 't1' }, { id: 'd2' }] } },
  {
    query: '{ search { __typename ... on Node { id ... on Driver { name } } } }',
    data: { search: [{ __typename: 'Trip', id: 't1' }, { __typename: 'Driver', id: 'd2', name: 'driver d2' }] },
  },
  {
    query: 'query Q { search { ...F } } fragment F on SearchResult { ... on Trip { id driver { name } } ... on Driver { name } }',
    data: { search: [{ id: 't1', driver: { name: 'driver d1' } }, { name: 'driver d2' }] },
  },
];

const subgraphs: { url: string; stop: () => Promise<void> }[] = [];
before(async () => {
  subgraphs.push(await serve(searchSchema), await serve(peopleSchema));
});
after(async () => {
  await Promise.all(subgraphs.map((s) => s.stop()));
});

for (const planner of ['js', 'rust'] as const satisfies readonly PlannerKind[]) {
  void describe(`abstract types through the ${planner} planner`, () => {
    let gw: RunningGateway;
    before(async () => {
      const [search, people] = subgraphs;
      assert.ok(search && people);
      gw = await startGateway({
        supergraph: { kind: 'subgraphs', subgraphs: [{ name: 'search', url: search.url }, { name: 'people', url: people.url }] },
        port: 0,
        logger: pino({ level: 'silent' }),
        planner,
        registry: new Registry(),
      });
    });
    after(() => gw.close());

    for (const c of CASES) {
      void test(c.query, async () => {
        const res = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: c.query }) });
        assert.deepEqual(await res.json(), { data: c.data });
      });
    }
  });
}
