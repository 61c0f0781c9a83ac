import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { CombinedGraphQLErrors } from '@apollo/client/errors';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { createClient } from 'graphql-ws';

const token = 'demo-token'; // from the logon mutation
const http = new HttpLink({ uri: 'http://localhost:4000/graphql', headers: { authorization: token } });
const ws = new GraphQLWsLink(createClient({
  url: 'ws://localhost:4000/graphql',
  connectionParams: { authorization: token },
}));

const client = new ApolloClient({
  link: ApolloLink.split(
    ({ query }) => {
      const definition = getMainDefinition(query);
      return definition.kind === 'OperationDefinition' && definition.operation === 'subscription';
    },
    ws,
    http,
  ),
  cache: new InMemoryCache(),
});

const { data } = await client.query({ query: gql`{ securityEvents(first: 1, filter: {status: OPEN}) { totalCount } }` });
console.log(`open events: ${data.securityEvents.totalCount}`);

client.subscribe({
  query: gql`subscription { securityEventChanged(filter: {status: OPEN}) { kind event { id type score status } } }`,
}).subscribe({
  // Apollo Client 4 hands a subscription's end by error to `next` (as `error`, with no `data`),
  // then completes: the gateway's errors (CombinedGraphQLErrors), or the socket's close (an Error).
  next: ({ data, error }) => {
    if (error) {
      const why = CombinedGraphQLErrors.is(error) ? error.errors.map((e) => e.extensions?.code).join(', ') : error.message;
      console.log(`the subscription ended: ${why}`);
      return;
    }
    console.log(`${data.securityEventChanged.kind} ${data.securityEventChanged.event.id}`);
  },
  complete: () => console.log('the subscription is over'),
});
