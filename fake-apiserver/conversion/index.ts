/** Public surface of CRD version conversion (README.md in this folder). */
export { CONVERSION_TIMEOUT_SECONDS, compareKubeAwareVersions, convertObjects, deprecationWarning, gvkString } from './conversion.ts';
export type { ConversionRequest, ConversionResponse, ConversionReview, CrdConversion } from './conversion.ts';
