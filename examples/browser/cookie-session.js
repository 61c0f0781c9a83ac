import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { CombinedGraphQLErrors } from '@apollo/client/errors';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition, relayStylePagination } from '@apollo/client/utilities';
import { createClient } from 'graphql-ws';

const http = new HttpLink({ uri: 'http://localhost:4000/graphql', credentials: 'include' }); // sends and keeps the cookie
const ws = new GraphQLWsLink(createClient({ url: 'ws://localhost:4000/graphql' })); // the browser sends the cookie

const client = new ApolloClient({
  link: ApolloLink.split(
    ({ query }) => {
      const definition = getMainDefinition(query);
      return definition.kind === 'OperationDefinition' && definition.operation === 'subscription';
    },
    ws,
    http,
  ),
  cache: new InMemoryCache({
    typePolicies: {
      Query: {
        fields: {
          // One list per filter, whatever `first` and `after`: fetchMore appends the next page.
          securityEvents: relayStylePagination(['filter']),
        },
      },
    },
  }),
  clientAwareness: { name: 'soc-console', version: '1.0.0' }, // apollographql-client-name and -version
});

await client.mutate({
  mutation: gql`mutation Logon($username: String!, $password: String!) {
    logon(input: {username: $username, password: $password, delivery: COOKIE}) { __typename }
  }`,
  variables: { username: 'demo', password: 'demo' },
});
const { data: { session } } = await client.query({ query: gql`query Session { session { delivery expiresAt } }` });
console.log(`session: ${session.delivery} until ${session.expiresAt}`);

const OPEN_EVENTS = gql`query OpenEvents($first: Int!, $after: String) {
  securityEvents(first: $first, after: $after, filter: {status: OPEN}) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id type score status } }
  }
}`;
const { data: firstPage } = await client.query({ query: OPEN_EVENTS, variables: { first: 5 } });
const openEvents = client.watchQuery({ query: OPEN_EVENTS, variables: { first: 5 } }); // the list as it grows
openEvents.subscribe(({ data, dataState, loading }) => {
  // Apollo Client 4 also reports each fetch under way (loading, with the list so far).
  if (dataState === 'complete' && !loading) console.log(`open events: ${data.securityEvents.edges.length} of ${data.securityEvents.totalCount}`);
});
await openEvents.fetchMore({ variables: { after: firstPage.securityEvents.pageInfo.endCursor } });

client.subscribe({
  query: gql`subscription Changes { securityEventChanged { kind event { id status } } }`,
}).subscribe({
  next: ({ data, error }) => {
    if (error) {
      const why = CombinedGraphQLErrors.is(error) ? error.errors.map((e) => e.extensions?.code).join(', ') : error.message;
      console.log(`the subscription ended: ${why}`); // log on again
      return;
    }
    console.log(`live: ${data.securityEventChanged.kind} ${data.securityEventChanged.event.id}`);
  },
  complete: () => console.log('the subscription is over'),
});
