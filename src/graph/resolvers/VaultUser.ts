import type { VaultUserResolvers } from '../generated/resolvers-types.js';
import { str, toBoolean } from '../map.js';

// The parent is the PVWA's logged-on user (PascalCase; UserName checked by pvwa/vault.ts).
export const VaultUser: VaultUserResolvers = {
  userName: (user) => user.UserName,
  firstName: (user) => str(user.FirstName),
  lastName: (user) => str(user.LastName),
  email: (user) => str(user.Email),
  source: (user) => str(user.Source),
  userTypeName: (user) => str(user.UserTypeName),
  suspended: (user) => toBoolean(user.Suspended),
  disabled: (user) => toBoolean(user.Disabled),
  expired: (user) => toBoolean(user.Expired),
};
