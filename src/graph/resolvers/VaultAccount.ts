import type { PvwaSecretManagement } from '../../pvwa/types.js';
import type { SecretManagementResolvers, VaultAccountResolvers } from '../generated/resolvers-types.js';
import { id, obj, str, toBoolean, toVaultTime } from '../map.js';
import { passThrough } from '../passthrough.js';

// The parent is the account as the PVWA answered GET /API/Accounts/{id} (its id checked by
// pvwa/vault.ts): the string fields pass through by name; times are epoch seconds.
export const VaultAccount: VaultAccountResolvers = {
  id: (account) => id(account.id)!,
  name: (account) => str(account.name),
  address: (account) => str(account.address),
  userName: (account) => str(account.userName),
  platformId: (account) => str(account.platformId),
  safeName: (account) => str(account.safeName),
  secretType: (account) => str(account.secretType),
  createdTime: (account) => toVaultTime(account.createdTime),
  platformAccountProperties: (account, _args, context) =>
    passThrough(obj<Record<string, unknown>>(account.platformAccountProperties) ?? {}, { accountId: id(account.id)!, field: 'platformAccountProperties' }, context),
  secretManagement: (account) => obj<PvwaSecretManagement>(account.secretManagement),
};

export const SecretManagement: SecretManagementResolvers = {
  automaticManagementEnabled: (management) => toBoolean(management.automaticManagementEnabled),
  manualManagementReason: (management) => str(management.manualManagementReason),
  status: (management) => str(management.status),
  lastModifiedTime: (management) => toVaultTime(management.lastModifiedTime),
  lastReconciledTime: (management) => toVaultTime(management.lastReconciledTime),
  lastVerifiedTime: (management) => toVaultTime(management.lastVerifiedTime),
};
