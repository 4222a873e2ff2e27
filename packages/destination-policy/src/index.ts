export {
  DestinationUrlRefusedError,
  assertDestinationUrlAllowed,
  isNonPublicAddress,
  nonPublicRange,
  parseDestinationUrl,
} from './destination-url.ts';
export { NonPublicAddressError, publicAddressLookup, refuseNonPublicLiteral } from './public-address-lookup.ts';
export type { ResolveAll } from './public-address-lookup.ts';
export { destinationSecretBytes, destinationSecretMaxBytes, destinationSecretRefusal, destinationSecretWarnings, weakDestinationSecretBelowBytes } from './destination-secret.ts';
