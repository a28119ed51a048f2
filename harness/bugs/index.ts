/**
 * Public surface of harness/bugs: the seeded-bug catalogue and its contract. Bugs are applied from
 * outside `platform/` (wrappers around the seams a World hands them), never by flags inside it.
 */
export * from './types.ts';
export * from './catalogue.ts';
export { wrongSelector, misselect, WRONG_SELECTOR_SUFFIX } from './wrong-selector.ts';
export { unilateralAllow, assumeInbound } from './unilateral-allow.ts';
