export {
  DestinationUrlRefusedError,
  assertDestinationUrlAllowed,
  isNonPublicAddress,
  parseDestinationUrl,
} from './destination-url.ts';
