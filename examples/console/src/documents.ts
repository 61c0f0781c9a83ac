// The operations of the triage console, one `graphql(...)` call each. `npm run codegen:example`
// reads this file and generates the typed documents `graphql()` returns (./gql/) and the manifest
// of trusted documents (./gql/persisted-documents.json). Add an operation here, and regenerate.
import { graphql } from './gql/index.js';

/** What the console shows of an event, in lists, after a change and in live changes. */
export const TriageEventFields = graphql(`
  fragment TriageEvent on SecurityEvent {
    id
    type
    score
    status
    createTime
    lastUpdateTime
    closeReason
    reasonText
    audits {
      action
      vaultUser
      source {
        originalAddress
      }
    }
  }
`);

export const LogonDocument = graphql(`
  mutation Logon($input: LogonInput!) {
    logon(input: $input) {
      ... on LogonSuccess {
        delivery
        token
      }
      ... on LogonChallenge {
        challengeId
        message
      }
    }
  }
`);

export const OpenEventsDocument = graphql(`
  query OpenEvents($first: Int!, $after: String) {
    securityEvents(filter: { status: OPEN }, first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        ...TriageEvent
      }
    }
  }
`);

export const CloseEventDocument = graphql(`
  mutation CloseEvent($id: ID!, $closeReason: CloseReason!, $reasonText: String) {
    updateEventStatus(id: $id, status: CLOSED, closeReason: $closeReason, reasonText: $reasonText) {
      ...TriageEvent
    }
  }
`);

export const EventChangedDocument = graphql(`
  subscription EventChanged($filter: SecurityEventFilter) {
    securityEventChanged(filter: $filter) {
      kind
      event {
        ...TriageEvent
      }
    }
  }
`);

export const LogoffDocument = graphql(`
  mutation Logoff {
    logoff
  }
`);
