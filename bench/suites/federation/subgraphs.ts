/**
 * The four subgraphs of The Guild's gateways-benchmark (federation shape): accounts, inventory
 * (`@requires` on price and weight), products, reviews, each an `@apollo/subgraph` schema served by
 * a lean node:http handler (documents parsed and validated once, answers kept by request body, so
 * the subgraphs cost little next to the gateway under test). Run as its own process: `node bench/suites/federation/subgraphs.ts
 * <firstPort>` listens on firstPort..firstPort+3 and prints one JSON line `{ ready, urls }`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { execute, parse, validate, type DocumentNode, type GraphQLSchema } from 'graphql';

interface User { readonly id: string; readonly name: string; readonly username: string; readonly birthday: number }
interface Product { readonly upc: string; readonly name: string; readonly price: number; readonly weight: number }
interface Review { readonly id: string; readonly body: string; readonly authorId: string; readonly upc: string }

export const USERS = 10;
export const PRODUCTS = 10;
export const REVIEWS_PER_USER = 3;

const users: User[] = Array.from({ length: USERS }, (_, i) => ({ id: String(i + 1), name: `User ${i + 1}`, username: `user${i + 1}`, birthday: 1_000_000 + i }));
const products: Product[] = Array.from({ length: PRODUCTS }, (_, i) => ({ upc: String(i + 1), name: `Product ${i + 1}`, price: 100 + i * 37, weight: 10 + i * 3 }));
const reviews: Review[] = [];
for (const u of users) for (let k = 0; k < REVIEWS_PER_USER; k++) reviews.push({ id: String(reviews.length + 1), body: `Review ${reviews.length + 1} of product ${((Number(u.id) + k) % PRODUCTS) + 1} by ${u.username}`, authorId: u.id, upc: String(((Number(u.id) + k) % PRODUCTS) + 1) });

const byKey = <T>(rows: readonly T[], key: (t: T) => string): Map<string, T> => new Map(rows.map((r) => [key(r), r]));
const usersById = byKey(users, (u) => u.id);
const productsByUpc = byKey(products, (p) => p.upc);

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@external", "@requires", "@shareable"])';

type Ref = Record<string, unknown>;
const SUBGRAPHS: Record<string, { typeDefs: string; resolvers: Record<string, Record<string, unknown>> }> = {
  accounts: {
    typeDefs: `${LINK}
      type Query { me: User users: [User] user(id: ID!): User }
      type User @key(fields: "id") { id: ID! name: String username: String birthday: Int }`,
    resolvers: {
      Query: { me: () => users[0], users: () => users, user: (_: unknown, a: { id: string }) => usersById.get(a.id) },
      User: { __resolveReference: (r: Ref) => usersById.get(String(r['id'])) },
    },
  },
  inventory: {
    typeDefs: `${LINK}
      type Product @key(fields: "upc") { upc: String! weight: Int @external price: Int @external inStock: Boolean shippingEstimate: Int @requires(fields: "price weight") }`,
    resolvers: {
      Product: {
        __resolveReference: (r: Ref) => ({ ...r, inStock: Number(r['upc']) % 3 !== 0 }),
        // free for expensive items, else half the weight
        shippingEstimate: (p: Ref) => (Number(p['price']) > 1000 ? 0 : Math.round(Number(p['weight']) * 0.5)),
      },
    },
  },
  products: {
    typeDefs: `${LINK}
      type Query { topProducts(first: Int = 5): [Product] }
      type Product @key(fields: "upc") { upc: String! name: String price: Int weight: Int }`,
    resolvers: {
      Query: { topProducts: (_: unknown, a: { first: number }) => products.slice(0, a.first) },
      Product: { __resolveReference: (r: Ref) => productsByUpc.get(String(r['upc'])) },
    },
  },
  reviews: {
    typeDefs: `${LINK}
      type Review @key(fields: "id") { id: ID! body: String author: User product: Product }
      type User @key(fields: "id") { id: ID! reviews: [Review] }
      type Product @key(fields: "upc") { upc: String! reviews: [Review] }`,
    resolvers: {
      Review: { author: (r: Review) => ({ __typename: 'User', id: r.authorId }), product: (r: Review) => ({ __typename: 'Product', upc: r.upc }) },
      User: { reviews: (u: Ref) => reviews.filter((r) => r.authorId === String(u['id'])) },
      Product: { reviews: (p: Ref) => reviews.filter((r) => r.upc === String(p['upc'])) },
    },
  },
};

export const SUBGRAPH_NAMES = Object.keys(SUBGRAPHS);

function serve(schema: GraphQLSchema, port: number): Promise<number> {
  const documents = new Map<string, DocumentNode>();
  // The data never changes, so an answer is a function of the request body: answered from memory
  // after the first time, the subgraphs cost next to nothing (as the gateways-benchmark's Rust
  // subgraphs do) and the bench measures the gateways.
  const answers = new Map<string, string>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const known = answers.get(raw);
      if (known !== undefined) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(known) });
        res.end(known);
        return;
      }
      void (async () => {
        let status = 200;
        let result: unknown;
        try {
          const body = JSON.parse(raw) as { query: string; variables?: Record<string, unknown> };
          let document = documents.get(body.query);
          if (!document) {
            const parsed = parse(body.query);
            const errors = validate(schema, parsed);
            if (errors.length > 0) throw new Error(errors.map((e) => e.message).join('; '));
            document = parsed;
            if (documents.size < 1000) documents.set(body.query, document);
          }
          result = await execute({ schema, document, variableValues: body.variables ?? {} });
        } catch (e) {
          status = 400;
          result = { errors: [{ message: e instanceof Error ? e.message : String(e) }] };
        }
        const text = JSON.stringify(result);
        if (status === 200 && answers.size < 10_000) answers.set(raw, text);
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      })();
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

export async function startSubgraphs(firstPort: number): Promise<Record<string, string>> {
  const urls: Record<string, string> = {};
  let i = 0;
  for (const [name, def] of Object.entries(SUBGRAPHS)) {
    const schema = buildSubgraphSchema({ typeDefs: parse(def.typeDefs), resolvers: def.resolvers as never });
    const port = await serve(schema, firstPort === 0 ? 0 : firstPort + i++);
    urls[name] = `http://127.0.0.1:${port}/graphql`;
  }
  return urls;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const urls = await startSubgraphs(Number(process.argv[2] ?? 0));
  process.stdout.write(`${JSON.stringify({ ready: true, urls })}\n`);
}
