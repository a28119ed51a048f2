/**
 * The layout rule (DESIGN.md "Layout", rule 1; STYLE.md Part 2 rules 1-3) is enforced by lint: this
 * plants one import per forbidden direction into a virtual file of the folder (ESLint's Node API
 * `lintText` with a `filePath`: the repo's own eslint.config.js, no file written) and expects a
 * `no-restricted-imports` error; legal imports of the same folders must pass. It lives in cli/ because
 * cli/ is the composition root, the one place that may see every folder.
 */
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: root, overrideConfigFile: `${root}eslint.config.js` });
});

/** The restricted-import messages of `import type { X } from '<spec>'` written in `file`. */
async function restricted(file: string, spec: string): Promise<string[]> {
  const code = `import type { X } from '${spec}';\nexport type Y = X;\n`;
  const [result] = await eslint.lintText(code, { filePath: `${root}${file}` });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

// [file, import specifier, words the message must contain]
const FORBIDDEN: [string, string, RegExp][] = [
  ['topologies/planted.ts', '../scenarios/fleet.ts', /topologies\/ sits below scenarios/],
  ['reports/planted.ts', '../harness/world.ts', /reports\/ holds the results model/],
  ['clusters/planted.ts', '../scenarios/fleet.ts', /clusters\/ sits beside harness/],
  ['harness/planted.ts', '../cli/main.ts', /cli\/ is the composition root/],
  ['harness/verifier/planted.ts', '../../cli/options.ts', /cli\/ is the composition root/],
  ['harness/evaluator/planted.ts', '../../platform/mesh/index.ts', /rule 1: the enforcement evaluator never reads Lattice specs/],
  ['harness/evaluator/planted.test.ts', '../../platform/crds/types.ts', /rule 1/],
  ['harness/evaluator/planted.ts', '../verifier/run-case.ts', /rule 1: the evaluator .* import only their own folder/],
  ['topologies/oracle.ts', '../platform/crds/types.ts', /rule 1: the oracle judges from declarations only/],
  ['topologies/oracle.test.ts', '../fake-apiserver/api/index.ts', /rule 1: the oracle never reads cluster objects/],
  ['topologies/oracle.ts', './from-specs.ts', /rule 1: the oracle imports only topology.ts and oracle\*\.ts/],
  ['topologies/oracle.ts', '../harness/verifier/run-case.ts', /only the ExpectedProbe contract/],
  ['harness/verifier/expected-probe.ts', '../../platform/index.ts', /rule 1/],
  ['platform/planted.ts', '../harness/world.ts', /platform\/ is the system under test/],
  ['platform/mesh/planted.test.ts', '../../topologies/index.ts', /platform\/ is the system under test/],
  ['platform/planted.ts', '../fake-apiserver/apiserver.ts', /only fake-apiserver\/api/],
  ['fake-apiserver/planted.ts', '../platform/index.ts', /fake-apiserver\/ is the bottom layer/],
  ['fake-apiserver/api/planted.ts', '../../harness/world.ts', /fake-apiserver\/ is the bottom layer/],
  ['scenarios/planted.ts', '../cli/main.ts', /cli\/ is the composition root/],
  ['scenarios/planted.ts', '../reports/junit.ts', /only reports\/model\.ts/],
  ['harness/planted.ts', '../topologies/index.ts', /harness\/ sits below topologies/],
  ['cli/planted.ts', '../fake-apiserver/internal/json.ts', /private to fake-apiserver/],
];

const ALLOWED: [string, string][] = [
  ['topologies/oracle.ts', '../harness/verifier/expected-probe.ts'],
  ['topologies/oracle.ts', './topology.ts'],
  ['topologies/render.ts', '../platform/crds/types.ts'],
  ['topologies/render.ts', '../fake-apiserver/api/index.ts'],
  ['harness/verifier/run-case.ts', '../../platform/index.ts'],
  ['harness/verifier/run-case.ts', '../../reports/model.ts'],
  ['harness/evaluator/planted.ts', '../../fake-apiserver/api/label-selector.ts'],
  ['harness/evaluator/planted.ts', './types.ts'],
  ['platform/planted.ts', '../fake-apiserver/api/index.ts'],
  ['clusters/planted.ts', '../platform/index.ts'],
  ['reports/planted.ts', './model.ts'],
  ['scenarios/planted.ts', '../topologies/index.ts'],
  ['scenarios/planted.ts', '../harness/verifier/run-case.ts'],
  ['cli/planted.ts', '../scenarios/fleet.ts'],
  ['cli/planted.ts', '../reports/index.ts'],
];

describe('lint enforces the layout (DESIGN.md "Layout", rule 1)', () => {
  it.each(FORBIDDEN)('%s may not import %s', async (file, spec, words) => {
    const messages = await restricted(file, spec);
    expect(messages.length, `${file} -> ${spec} passed lint`).toBeGreaterThan(0);
    expect(messages.join('\n')).toMatch(words);
    expect(messages.join('\n')).toMatch(/DESIGN\.md|STYLE\.md/);
  });

  it.each(ALLOWED)('%s may import %s', async (file, spec) => {
    expect(await restricted(file, spec)).toEqual([]);
  });
});
