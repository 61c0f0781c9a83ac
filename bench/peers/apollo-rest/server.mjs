/**
 * The bench's same-stack peer: the REST BFF a team writes from Apollo's docs. Apollo Server 5
 * standalone, a RESTDataSource per request carrying the caller's token, resolvers calling it.
 *
 *   PORT=4100 PVWA_URL=http://127.0.0.1:8080/PasswordVault NODE_ENV=production node server.mjs
 *
 * Prints `ready <url>` once it listens.
 */
import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { GraphQLError } from 'graphql';
import { PvwaAPI } from './pvwa-api.mjs';
import { resolvers } from './resolvers.mjs';

const typeDefs = readFileSync(new URL('schema.graphql', import.meta.url), 'utf8');
const baseURL = process.env.PVWA_URL;
if (!baseURL) throw new Error('PVWA_URL is required');

const server = new ApolloServer({
  typeDefs,
  resolvers,
  introspection: false,
  plugins: [ApolloServerPluginLandingPageDisabled()],
});

const { url } = await startStandaloneServer(server, {
  listen: { port: Number(process.env.PORT ?? 4100), host: process.env.HOST ?? '127.0.0.1' },
  context: async ({ req }) => {
    // The caller's PVWA token, raw or as `Bearer <token>`.
    const token = (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
    if (!token) throw new GraphQLError('No session token', { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
    const { cache } = server;
    return { dataSources: { pvwa: new PvwaAPI({ baseURL, token, cache }) } };
  },
});
process.stdout.write(`ready ${url}\n`);
process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));
