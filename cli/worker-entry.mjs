// Entry of a `run --workers` thread (cli/workers.ts): registers tsx in this thread, as
// bin/lattice-sim.mjs does for the main thread, so the worker loads the TypeScript sources as they
// are (no build step), then starts the worker body. A failure to load surfaces in the parent as the
// Worker's `error` event (exit 3 there, never a hang).
import { register } from 'tsx/esm/api';

register();
await import('./worker-thread.ts');
