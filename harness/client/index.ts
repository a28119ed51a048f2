/**
 * Public surface of `harness/client/`: reflectors, indexed stores, shared informers and the
 * informer cache that stands in for the client's reader (controller-runtime `pkg/cache`).
 */
export * from './reflector.ts';
export * from './store.ts';
export * from './informer.ts';
export * from './cache.ts';
export * from './cached-client.ts';
