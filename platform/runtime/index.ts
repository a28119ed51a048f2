/** The controller contract the platform implements and the harness runner drives. */
export * from './reconciler.ts';
export * from './owner.ts';
