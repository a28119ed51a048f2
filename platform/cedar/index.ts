/**
 * Cedar authorization for the platform's gates (reference §3): the engine, the entity model, the
 * requests a spec needs, CedarPolicy validation and the denial texts. See README.md.
 */
export * from './types.ts';
export * from './entities.ts';
export * from './engine.ts';
export * from './validation.ts';
export * from './overrides.ts';
export * from './format.ts';
export * from './volumes.ts';
export * from './images.ts';
