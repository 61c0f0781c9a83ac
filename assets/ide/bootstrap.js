/*
 * pta-gateway's GraphQL IDE page script (served by src/http/ide.ts).
 *
 * Started in the page after GraphiQL, React and graphql-ws: reads the page's JSON config and renders
 * GraphiQL. Queries and mutations go as JSON over HTTP POST; subscriptions over graphql-ws to the
 * same host and path, authenticated at connect with the headers editor's Authorization as
 * connectionParams.authorization (none there: the gateway reads the session cookie). The headers
 * can change while the page is open: one socket client at a time, for the Authorization of the
 * latest subscription, and a different value disposes it. (createFetcher's own `subscriptionUrl`
 * opens a new client per subscription, never disposed, with the headers as they are, `Authorization`
 * capitalised, as connection params.)
 */
'use strict';
(function () {
  var config = JSON.parse(document.getElementById('ide-config').textContent);
  var params = new URLSearchParams(window.location.search);
  var path = window.location.pathname;
  // content-type: application/json (set by createFetcher) passes Apollo's CSRF prevention; the
  // preflight header also covers a GET.
  var httpFetcher = GraphiQL.createFetcher({
    url: path,
    headers: { 'apollo-require-preflight': 'true' },
    enableIncrementalDelivery: false,
  });
  var wsUrl = (window.location.protocol === 'https:' ? 'wss://' : 'ws://') + window.location.host + path;
  var ws = null;
  function wsClient(authorization) {
    if (ws && ws.authorization === authorization) return ws.client;
    // (A client whose connection was refused may reject its dispose: nothing to close then.)
    if (ws) Promise.resolve(ws.client.dispose()).catch(function () {});
    var connectionParams = authorization === null ? {} : { authorization: authorization };
    ws = { authorization: authorization, client: graphqlWs.createClient({ url: wsUrl, connectionParams: connectionParams }) };
    return ws.client;
  }
  // An observable GraphiQL reads each result of, and stops with unsubscribe. (createFetcher's
  // async iterable over a wsClient leaves an unhandled rejection in the page when the socket closes.)
  function subscription(client, graphQLParams) {
    return {
      subscribe: function (observer) {
        var unsubscribe = client.subscribe(graphQLParams, {
          next: function (result) { observer.next(result); },
          error: function (error) {
            if (error instanceof CloseEvent) error = new Error(('Socket closed with event ' + error.code + ' ' + error.reason).trim());
            else if (error instanceof Event) error = new Error('The WebSocket to ' + wsUrl + ' failed');
            observer.error(error);
          },
          complete: function () { observer.complete(); },
        });
        return { unsubscribe: unsubscribe };
      },
    };
  }
  function authorizationOf(headers) {
    var name = Object.keys(headers || {}).find(function (key) { return key.toLowerCase() === 'authorization'; });
    return name === undefined ? null : String(headers[name]);
  }
  // createFetcher's test: the operation to run (named operationName, else the anonymous one) is a subscription.
  function isSubscription(graphQLParams, opts) {
    var name = graphQLParams.operationName || undefined;
    return Boolean(opts && opts.documentAST) && opts.documentAST.definitions.some(function (definition) {
      return definition.kind === 'OperationDefinition' && definition.operation === 'subscription' && (definition.name ? definition.name.value : undefined) === name;
    });
  }
  function fetcher(graphQLParams, opts) {
    if (isSubscription(graphQLParams, opts)) return subscription(wsClient(authorizationOf(opts.headers)), graphQLParams);
    return httpFetcher(graphQLParams, opts);
  }
  var props = { fetcher: fetcher, shouldPersistHeaders: false };
  if (config.defaultHeaders) {
    props.defaultHeaders = JSON.stringify(config.defaultHeaders, null, 2);
    props.defaultEditorToolsVisibility = 'headers';
  }
  if (params.has('query')) props.query = params.get('query');
  if (params.has('variables')) props.variables = params.get('variables');
  ReactDOM.createRoot(document.getElementById('graphiql')).render(React.createElement(GraphiQL, props));
})();
