/** Seeded randomness split into named streams. */
export * from './rng.ts';
