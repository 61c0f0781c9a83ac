import type { PvwaResolvedAddress } from '../../pvwa/types.js';
import type { NetworkAddressResolvers, ResolvedAddressResolvers } from '../generated/resolvers-types.js';
import { obj, str } from '../map.js';

export const NetworkAddress: NetworkAddressResolvers = {
  originalAddress: (address) => str(address.mOriginalAddress),
  resolved: (address) => obj<PvwaResolvedAddress>(address.mResolvedAddress),
};

export const ResolvedAddress: ResolvedAddressResolvers = {
  originalAddress: (resolved) => str(resolved.mOriginalAddress),
  address: (resolved) => str(resolved.mAddress),
  hostName: (resolved) => str(resolved.mHostName),
  fqdn: (resolved) => str(resolved.mFqdn),
};
