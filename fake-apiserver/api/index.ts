/**
 * Public surface of the types-only core layer: what `platform/` may import (STYLE.md rule 2).
 */
export * from './object.ts';
export * from './status-error.ts';
export * from './clock.ts';
export * from './label-selector.ts';
export * from './client.ts';
export * from './cache.ts';
export * from './event.ts';
