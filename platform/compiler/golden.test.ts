import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import type { LatticeService } from '../crds/types.ts';
import { compileService, type ServiceLookupResult } from './index.ts';
import { allowAll, loadReferenceObjects } from './testing.ts';

const webapp = loadReferenceObjects('webapp').filter((o) => o.object.kind === 'LatticeService');

/**
 * The reference fixtures are other people's files: the stored goldens keep the compiled shape but
 * not their text. Every multi-line string (file contents, scripts) becomes a digest placeholder,
 * so a change to it still fails the golden.
 */
function redact(value: unknown): unknown {
  if (typeof value === 'string') return value.includes('\n') ? `<sha256:${createHash('sha256').update(value).digest('hex').slice(0, 16)}>` : value;
  if (Array.isArray(value)) return value.map(redact);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v)]));
  return value;
}

/** Ports of the other webapp services, as a graph would know them. */
function lookup(ns: string, name: string): ServiceLookupResult | undefined {
  const found = webapp.find((o) => o.object.metadata.name === name && o.object.metadata.namespace === ns);
  const ports = (found?.object as LatticeService | undefined)?.spec.workload.service?.ports;
  return ports ? { ports } : undefined;
}

describe.skipIf(webapp.length === 0)(`golden: webapp reference specs compiled with an allow-all authorizer${webapp.length === 0 ? ' (reference fixtures not present (../shared/fixtures/reference/webapp): skipped)' : ''}`, () => {
  for (const { file, object } of webapp) {
    const name = object.metadata.name;
    test(`${file} compiles to the objects in __golden__/${name}.yaml`, async () => {
      const ls = { ...object, metadata: { ...object.metadata, uid: `uid-${name}` } } as LatticeService;
      const result = compileService(ls, { authorizer: allowAll(), clusterName: 'golden', serviceLookup: lookup });
      const shown = result.ok
        ? { ok: true, configHash: result.configHash, secretNames: result.secretNames, externalSecretNames: result.externalSecretNames, notModelled: result.notModelled, layers: result.layers }
        : result;
      await expect(stringify(redact(shown), { aliasDuplicateObjects: false, lineWidth: 0 })).toMatchFileSnapshot(`./__golden__/${name}.yaml`);
    });
  }

  const api = webapp.find((o) => o.object.metadata.name === 'api');
  test.runIf(api !== undefined)('webapp/api.yaml with its JS `${port}` escaped as `$${port}` compiles to __golden__/api-port-escaped.yaml', async () => {
    const spec = JSON.parse(JSON.stringify(api!.object)) as LatticeService;
    const file = spec.spec.workload.containers.main.files!['/app/server.js'];
    file.content = file.content!.replace('${port}', () => '$${port}');
    spec.metadata.uid = 'uid-api';
    const result = compileService(spec, { authorizer: allowAll(), clusterName: 'golden', serviceLookup: lookup });
    expect(result.ok).toBe(true);
    await expect(stringify(redact(result.ok ? result.layers : result), { aliasDuplicateObjects: false, lineWidth: 0 })).toMatchFileSnapshot('./__golden__/api-port-escaped.yaml');
  });
});

// Without ../shared the reference layer is reported as a skip (never as a pass); our own goldens are examples.golden.test.ts.
if (webapp.length === 0) test.skip('golden: reference fixtures not present (../shared/fixtures/reference/webapp): webapp goldens skipped', () => {});
