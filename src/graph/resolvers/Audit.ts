import { eventIdProblem } from '../../pvwa/paths.js';
import type { PvwaAccount, PvwaAddress } from '../../pvwa/types.js';
import type { AuditResolvers } from '../generated/resolvers-types.js';
import { id, obj, str, toDate } from '../map.js';

export const Audit: AuditResolvers = {
  id: (audit) => id(audit.id)!,
  type: (audit) => audit.type,
  sensorType: (audit) => str(audit.sensorType),
  action: (audit) => str(audit.action),
  psmCommand: (audit) => str(audit.psmCommand),
  createTime: (audit) => toDate(audit.createTime)!,
  vaultUser: (audit) => str(audit.vaultUser),
  accountId: (audit) => id(audit.accountId),
  account: (audit) => obj<PvwaAccount>(audit.account),
  source: (audit) => obj<PvwaAddress>(audit.source),
  target: (audit) => obj<PvwaAddress>(audit.target),
  // An accountId the PVWA's URL rules cannot carry names no account that can be read.
  vaultAccount: (audit, _args, context) => {
    const accountId = id(audit.accountId);
    return accountId === null || eventIdProblem(accountId) !== null ? null : context.loaders.accounts.load(accountId);
  },
};
