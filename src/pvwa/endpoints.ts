import {
  ACCOUNTS_PATH, EVENTS_PATH, LIVE_SESSIONS_PATH, LOGGED_ON_USER_PATH, LOGOFF_PATH, RISK_EVENTS_PATH, RISK_SUMMARY_PATH,
} from './paths.js';

/** The PVWA calls the gateway makes, by name: the metrics' `endpoint` label and the client spans' `pta.pvwa.endpoint`. */
export type PvwaEndpoint =
  | 'getEvents' | 'updateEvent' | 'logon' | 'logoff'
  | 'getAccount' | 'getLiveSession' | 'getLoggedOnUser' | 'credentialsAction' | 'liveSessionAction'
  | 'getRiskEvents' | 'getRiskSummary' | 'updateRiskEvent';

/** Every endpoint, for metrics that start each label at zero. */
export const PVWA_ENDPOINTS: readonly PvwaEndpoint[] = [
  'getEvents', 'updateEvent', 'logon', 'logoff',
  'getAccount', 'getLiveSession', 'getLoggedOnUser', 'credentialsAction', 'liveSessionAction',
  'getRiskEvents', 'getRiskSummary', 'updateRiskEvent',
];

/**
 * Each endpoint's path with its variable parts named, relative to the PVWA base URL: a client
 * span's `url.template` and name, the same for every call of the endpoint whatever its ids.
 */
export const ENDPOINT_TEMPLATES: Readonly<Record<PvwaEndpoint, string>> = {
  getEvents: EVENTS_PATH,
  updateEvent: `${EVENTS_PATH}{id}`,
  logon: 'API/auth/{method}/Logon',
  logoff: LOGOFF_PATH,
  getAccount: `${ACCOUNTS_PATH}{id}`,
  getLiveSession: `${LIVE_SESSIONS_PATH}{id}`,
  getLoggedOnUser: LOGGED_ON_USER_PATH,
  credentialsAction: `${ACCOUNTS_PATH}{id}/{action}`,
  liveSessionAction: `${LIVE_SESSIONS_PATH}{id}/{action}`,
  getRiskEvents: RISK_EVENTS_PATH,
  getRiskSummary: RISK_SUMMARY_PATH,
  updateRiskEvent: `${RISK_EVENTS_PATH}{id}`,
};
