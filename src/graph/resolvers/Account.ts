import type { PvwaAccountDetails, PvwaAddress } from '../../pvwa/types.js';
import type { AccountResolvers } from '../generated/resolvers-types.js';
import { obj, str, strList } from '../map.js';

// `account.account` holds the details: mUser, and mDomain/spnList (DOMAIN) or mTarget (LOCAL_UNIX).
const details = (account: { account?: unknown }): PvwaAccountDetails | null => obj<PvwaAccountDetails>(account.account);

export const Account: AccountResolvers = {
  asString: (account) => str(account.accountAsStr),
  type: (account) => str(account.type),
  user: (account) => str(details(account)?.mUser),
  domain: (account) => str(details(account)?.mDomain),
  spnList: (account) => strList(details(account)?.spnList),
  target: (account) => obj<PvwaAddress>(details(account)?.mTarget),
};
