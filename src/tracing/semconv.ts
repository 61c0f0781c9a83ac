/**
 * The attribute names the gateway's spans use. The OpenTelemetry semantic conventions' names are
 * copied here, as that package advises (its incubating names may change in any release); the
 * gateway's own are under `pta.`.
 */

// Stable: resource, HTTP, URL, server, error.
export const ATTR_SERVICE_NAME = 'service.name';
export const ATTR_SERVICE_VERSION = 'service.version';
export const ATTR_HTTP_REQUEST_METHOD = 'http.request.method';
export const ATTR_HTTP_RESPONSE_STATUS_CODE = 'http.response.status_code';
export const ATTR_HTTP_REQUEST_RESEND_COUNT = 'http.request.resend_count';
export const ATTR_HTTP_ROUTE = 'http.route';
export const ATTR_URL_FULL = 'url.full';
export const ATTR_URL_PATH = 'url.path';
export const ATTR_URL_SCHEME = 'url.scheme';
export const ATTR_SERVER_ADDRESS = 'server.address';
export const ATTR_SERVER_PORT = 'server.port';
export const ATTR_ERROR_TYPE = 'error.type';

// Incubating: GraphQL, URL templates.
export const ATTR_GRAPHQL_OPERATION_NAME = 'graphql.operation.name';
export const ATTR_GRAPHQL_OPERATION_TYPE = 'graphql.operation.type';
export const ATTR_URL_TEMPLATE = 'url.template';

// The gateway's own.
/** The PVWA endpoint of a client span (getEvents, updateEvent, logon, ...: the metrics' label). */
export const ATTR_PVWA_ENDPOINT = 'pta.pvwa.endpoint';
/** A logon the PVWA answered with a RADIUS challenge (HTTP 500, ITATS542I): not a failure. */
export const ATTR_PVWA_LOGON_CHALLENGE = 'pta.pvwa.logon_challenge';
/** How a snapshot read was served: `full` or `delta`. */
export const ATTR_SNAPSHOT_READ = 'pta.snapshot.read';
/** A snapshot read that waited for another request's GET instead of making its own. */
export const ATTR_SNAPSHOT_SHARED = 'pta.snapshot.shared';
/** An answer served again from the session's rendered answers, without executing the operation. */
export const ATTR_RENDERED = 'pta.graphql.rendered';
/** How many subscriptions a live poll serves. */
export const ATTR_LIVE_SUBSCRIPTIONS = 'pta.live.subscriptions';
