/** Every field of a SecurityEvent, for tests that check whole events. */
export const EVENT_FIELDS = `
  id type score status createTime lastUpdateTime closeReason reasonText
  audits {
    id type sensorType action psmCommand createTime vaultUser accountId
    account { asString type user domain spnList target { originalAddress resolved { originalAddress address hostName fqdn } } }
    source { originalAddress resolved { originalAddress address hostName fqdn } }
    target { originalAddress resolved { originalAddress address hostName fqdn } }
  }
  additionalData { mitigationAction sessionIsLive matchPatterns sessionIds station reason vaultUser aggregationCount raw }
`;
