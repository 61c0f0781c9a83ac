import { Sealer, SessionSecret } from '../../src/sessions/seal.js';
import { TEST_SECRET_HEX, type GraphQLAnswer, type Harness } from './harness.js';

export { TEST_SECRET_HEX };
export const testSealer = () => new Sealer(SessionSecret.parse(TEST_SECRET_HEX)!);

const RESULT = '__typename ... on LogonSuccess { delivery token } ... on LogonChallenge { challengeId message }';
export const LOGON = `mutation Logon($input: LogonInput!) { logon(input: $input) { ${RESULT} } }`;
export const RESPOND = `mutation Respond($challengeId: String!, $response: String!, $delivery: SessionDelivery) {
  respondToLogonChallenge(challengeId: $challengeId, response: $response, delivery: $delivery) { ${RESULT} } }`;
export const LOGOFF = 'mutation Logoff { logoff }';
export const LIST = '{ securityEvents(first: 1) { totalCount } }';

/** The Set-Cookie headers of an answer. */
export const setCookies = (answer: GraphQLAnswer) => answer.headers.getSetCookie();

/** The value of the pta_session cookie an answer set. */
export function sessionCookieOf(answer: GraphQLAnswer): string {
  const cookie = setCookies(answer).find((line) => line.startsWith('pta_session='));
  if (!cookie) throw new Error('no pta_session cookie was set');
  return cookie.slice('pta_session='.length).split(';', 1)[0];
}

/** A GraphQL request carrying only the session cookie (no Authorization). */
export function withCookie(h: Harness, query: string, value: string, variables: Record<string, unknown> = {}) {
  return h.gql(query, variables, { token: null, headers: { cookie: `pta_session=${value}` } });
}

/** The upstream logon and logoff calls the simulator received. */
export const authCalls = (h: Harness) => h.sim.requests.filter((r) => /\/api\/auth\//i.test(r.path));
