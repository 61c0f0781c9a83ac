import { RESTDataSource } from '@apollo/datasource-rest';

const EVENTS = 'API/pta/API/Events/';

/**
 * The PVWA's PTA events API as Apollo's docs teach a REST data source: one instance per GraphQL
 * request (created in the server's `context`), carrying the caller's token, which
 * `willSendRequest` puts on every call.
 *
 * Caching, as chosen for the bench (docs/PERFORMANCE.md, The same-stack peer):
 * - `cache` is the server's cache, as in Apollo's docs. It is a shared HTTP cache: the answer to a
 *   GET carrying Authorization is stored only when it says `public`, `s-maxage` or
 *   `must-revalidate`. The bench's simulator sends none of them, so nothing is ever stored or
 *   served from it; what it costs per GET is one lookup that misses.
 * - In-flight de-duplication of GETs is turned off (`requestDeduplicationPolicyFor`, as
 *   RESTDataSource's README shows). It is per instance, so it could only ever join GETs of one
 *   GraphQL request, and these resolvers make one; yet by default it deep-clones every GET's
 *   parsed body (lodash.clonedeep in `cloneDataSourceFetchResult`), even when nothing was
 *   joined: on the 2.6 MB list that was a fifth of the peer's `page` CPU plus the garbage it
 *   makes. A PATCH is never de-duplicated, so `close` is the same either way.
 */
export class PvwaAPI extends RESTDataSource {
  /** @param {{ baseURL: string, token: string, cache?: import('@apollo/utils.keyvaluecache').KeyValueCache }} options */
  constructor(options) {
    super(options);
    // A trailing slash, so the relative paths below resolve under /PasswordVault/.
    this.baseURL = options.baseURL.replace(/\/*$/, '/');
    this.token = options.token;
  }

  requestDeduplicationPolicyFor() {
    return { policy: 'do-not-deduplicate' };
  }

  willSendRequest(_path, request) {
    request.headers['authorization'] = this.token;
  }

  /** GET /API/pta/API/Events/: the session's whole list (the PVWA has no pagination). */
  getEvents() {
    return this.get(EVENTS);
  }

  /** PATCH /API/pta/API/Events/{id}: the event as the PVWA answered the change. */
  updateEvent(id, patch) {
    return this.patch(EVENTS + encodeURIComponent(id), { body: patch });
  }
}
