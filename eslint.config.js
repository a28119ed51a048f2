// Lint: typescript-eslint recommended rules plus the one-way dependency rule of DESIGN.md (Layout):
// cli -> scenarios, topologies -> harness -> platform -> fake-apiserver/api; clusters -> platform and
// harness contracts; reports imports nothing of ours. ONE `no-restricted-imports` block per top-level
// folder (tests included) names what that folder may NOT import; two more blocks encode DESIGN rule 1
// (the evaluator and the oracle never import platform/). In flat config a later block's options for the
// same rule replace an earlier one's, so a rule-1 block repeats its folder's list (built from the same
// arrays). Patterns are regexes over the import specifier: `^(../)+name/` is the top-level folder
// `name` reached from any depth. cli/e2e/lint-boundaries.test.ts plants each forbidden import.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** A specifier that climbs to the top-level folder `name` (or one of `a|b`), from any depth. */
const top = (name) => `^(\\.\\./)+(${name})(/|$)`;
const LAYOUT = 'DESIGN.md "Layout": dependencies point one way, cli -> scenarios, topologies -> harness -> platform -> fake-apiserver/api';
const RULE1 = 'DESIGN.md rule 1';

const restrict = (...entries) => ({
  'no-restricted-imports': ['error', { patterns: entries.map(([regex, message]) => ({ regex, message })) }],
});

// What several folders share.
const noCli = [top('cli'), `cli/ is the composition root: nothing imports it (${LAYOUT}).`];
const onlyApiOfFakeApiserver = (who) => [
  `^(\\.\\./)+fake-apiserver/(?!api/)`,
  `${who} may import only fake-apiserver/api (the types-only contracts), never the in-memory API server (${LAYOUT}; STYLE.md Part 2 rule 2).`,
];
const noFakeApiserverInternal = [`^(\\.\\./)+fake-apiserver/internal/`, 'fake-apiserver/internal/ is private to fake-apiserver/: import its index.ts or api/ (STYLE.md Part 2 rule 3).'];
const noArbitraryInternals = [`^(\\.\\./)+topologies/(.+/)?internal/`, 'topologies/**/internal/ is private to topologies/: import topologies/index.ts (STYLE.md Part 2 rule 3).'];
const onlyReportsModel = (who) => [`^(\\.\\./)+reports/(?!model\\.ts$)`, `${who} may import only reports/model.ts (the results model); writing results.json / junit.xml is the CLI's job (${LAYOUT}).`];

const HARNESS = [
  [top('topologies|scenarios|clusters'), `harness/ sits below topologies/ and scenarios/, beside clusters/: it never imports them (${LAYOUT}).`],
  noCli,
  onlyReportsModel('harness/'),
  noFakeApiserverInternal,
  noArbitraryInternals,
];
const TOPOLOGIES = [
  [top('scenarios|clusters|reports'), `topologies/ sits below scenarios/ and cli/: it never imports scenarios/, clusters/ or reports/ (${LAYOUT}).`],
  noCli,
  [`^(\\.\\./)+harness/(?!verifier/expected-(probe|admission)\\.ts$)`, `topologies/ may import from harness/ only the ExpectedProbe contract and the ExpectedAdmission one (harness/verifier/expected-probe.ts, expected-admission.ts): inputs and the oracle must not depend on the simulation (${LAYOUT}).`],
  [`^(\\.\\./)+platform/(?!crds/|cedar/)`, `topologies/ may import only platform/crds (the spec types it renders) and platform/cedar (tests check rendered Cedar policies) (${LAYOUT}).`],
  onlyApiOfFakeApiserver('topologies/'),
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'reports/out/**', 'dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  // ---- one block per top-level folder ----
  {
    files: ['bin/**/*.mjs'],
    rules: restrict([`^(\\.\\./)+(?!cli/)`, `bin/ only starts the CLI (cli/main.ts); everything else is wired there (${LAYOUT}).`]),
  },
  { files: ['cli/**/*.ts'], rules: restrict(noFakeApiserverInternal, noArbitraryInternals) },
  {
    files: ['scenarios/**/*.ts'],
    rules: restrict(noCli, onlyReportsModel('scenarios/'), noFakeApiserverInternal, noArbitraryInternals),
  },
  { files: ['topologies/**/*.ts'], rules: restrict(...TOPOLOGIES) },
  { files: ['harness/**/*.ts'], rules: restrict(...HARNESS) },
  {
    files: ['clusters/**/*.ts'],
    rules: restrict(
      [top('topologies|scenarios'), `clusters/ sits beside harness/: it may import platform/, fake-apiserver/api and harness contracts, never topologies/ or scenarios/ (${LAYOUT}).`],
      noCli,
      [`^(\\.\\./)+harness/(world\\.ts|stubs/|runner/)`, `clusters/ drives real clusters: it may import harness contracts (clock, verifier, traffic log format), not the simulated World, its stubs or runner (${LAYOUT}).`],
      onlyReportsModel('clusters/'),
      onlyApiOfFakeApiserver('clusters/'),
    ),
  },
  {
    files: ['platform/**/*.ts'],
    rules: restrict(
      [top('harness|topologies|scenarios|clusters|reports'), `platform/ is the system under test and must run unchanged against a real cluster: it never imports harness/ or anything above it (${LAYOUT}).`],
      noCli,
      onlyApiOfFakeApiserver('platform/'),
    ),
  },
  {
    files: ['reports/**/*.ts'],
    rules: restrict(
      [top('harness|platform|topologies|scenarios|clusters'), `reports/ holds the results model and its writers and imports nothing of ours (fake-apiserver/api types at most), so a simulated run and a real-cluster replay write the same files (${LAYOUT}).`],
      noCli,
      onlyApiOfFakeApiserver('reports/'),
    ),
  },
  {
    files: ['fake-apiserver/**/*.ts'],
    rules: restrict([top('platform|harness|topologies|scenarios|clusters|reports|cli'), `fake-apiserver/ is the bottom layer: it imports only itself and libraries (${LAYOUT}).`]),
  },
  // ---- DESIGN rule 1 (these replace the folder block for the files they match, so they repeat it) ----
  {
    // The enforcement evaluator and the ExpectedProbe contract the oracle imports: no platform/ (not even
    // types), nothing else of harness/ (other modules reach platform/), only fake-apiserver/api.
    files: ['harness/evaluator/**/*.ts', 'harness/verifier/expected-probe.ts', 'harness/verifier/expected-admission.ts'],
    rules: restrict(
      ...HARNESS,
      [top('platform'), `${RULE1}: the enforcement evaluator never reads Lattice specs; it sees only what a dataplane sees, so it never imports platform/, not even types.`],
      [`^\\.\\./(?!\\.\\./)`, `${RULE1}: the evaluator (and the ExpectedProbe contract) import only their own folder and fake-apiserver/api; other harness/ modules reach platform/.`],
      onlyApiOfFakeApiserver(`${RULE1}: the evaluator`),
    ),
  },
  {
    // The oracle and everything it imports: declarations only (the Topology), never platform/ (not even
    // types), never cluster objects or generated policies (fake-apiserver, the evaluator, the World).
    files: ['topologies/oracle*.ts', 'topologies/topology.ts', 'topologies/admission.ts'],
    rules: restrict(
      ...TOPOLOGIES,
      [top('platform'), `${RULE1}: the oracle judges from declarations only; it never imports platform/ (not even types).`],
      [top('fake-apiserver'), `${RULE1}: the oracle never reads cluster objects or generated policies; it reads only the Topology.`],
      [`^\\./(?!(topology|oracle[\\w.-]*)\\.ts$)`, `${RULE1}: the oracle imports only topology.ts and oracle*.ts of topologies/ (render / from-specs reach platform/; admission.ts, the admission oracle, is held to the same rule).`],
    ),
  },
  { files: ['bin/**/*.mjs', 'eslint.config.js'], languageOptions: { globals: { process: 'readonly', console: 'readonly' } } },
);
