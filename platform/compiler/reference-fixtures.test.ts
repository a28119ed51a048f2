import { expect, test } from 'vitest';
import type { LatticeService } from '../crds/types.ts';
import { compileService } from './index.ts';
import { allowAll, loadReferenceObjects, REFERENCE_DIR } from './testing.ts';

const services = loadReferenceObjects().filter((o) => o.object.kind === 'LatticeService');

test.skipIf(services.length === 0)(`every LatticeService under the reference fixtures compiles to a Deployment or a clear invalid message (${REFERENCE_DIR})${services.length === 0 ? ': reference fixtures not present, skipped' : ''}`, () => {
  const seen: string[] = [];
  for (const { file, object } of services) {
    const ls = { ...object, metadata: { ...object.metadata, uid: 'uid-fixture' } } as LatticeService;
    const result = compileService(ls, { authorizer: allowAll(), clusterName: 'fixtures' });
    if (result.ok) {
      const deployments = result.layers.workload.filter((o) => o.kind === 'Deployment');
      expect(deployments.map((d) => d.metadata.name), file).toEqual([ls.metadata.name]);
    } else {
      expect(result.reason, `${file}: ${result.message}`).toBe('invalid');
      expect(result.message.length, file).toBeGreaterThan(10);
    }
    seen.push(`${file}: ${result.ok ? 'ok' : result.message}`);
  }
  expect(seen.length).toBe(services.length);
});

if (services.length === 0) test.skip('reference fixtures not present (../shared/fixtures/reference): the fixture sweep is skipped', () => {});
