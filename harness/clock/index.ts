/** Clocks: simulated ({@link VirtualClock}) and wall ({@link RealClock}). */
export * from './virtual-clock.ts';
export * from './real-clock.ts';
