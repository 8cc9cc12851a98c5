/**
 * The peer: Apollo Gateway (@apollo/gateway on @apollo/server, defaults, no policies) over the same
 * supergraph. Own process: `node apollo-gateway.ts <supergraph file> <port>`; prints `{ ready }`.
 */
import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

const [file, port] = process.argv.slice(2);
const gateway = new ApolloGateway({ supergraphSdl: readFileSync(String(file), 'utf8') });
const server = new ApolloServer({ gateway, csrfPrevention: false, logger: { debug: () => {}, info: () => {}, warn: () => {}, error: (m: unknown) => console.error(m) } });
const { url } = await startStandaloneServer(server, { listen: { port: Number(port), host: '127.0.0.1' } });
process.stdout.write(`${JSON.stringify({ ready: true, url })}\n`);
