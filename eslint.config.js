// Lint: typescript-eslint recommended rules plus the one-way dependency rule of DESIGN.md:
// topologies, scenarios -> harness -> platform -> fake-apiserver/api. A backwards import is an error.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const restrict = (patterns) => ({
  'no-restricted-imports': ['error', { patterns: patterns.map((group) => ({ group, message: 'Dependencies point one way (DESIGN.md: Layout).' })) }],
});

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
  { files: ['fake-apiserver/**/*.ts'], rules: restrict([['**/platform/**', '**/harness/**', '**/topologies/**', '**/scenarios/**', '**/clusters/**', '**/reports/**']]) },
  {
    files: ['platform/**/*.ts'],
    rules: restrict([['**/harness/**', '**/topologies/**', '**/scenarios/**', '**/clusters/**', '**/reports/**', '**/fake-apiserver/*.ts', '**/fake-apiserver/internal/**']]),
  },
  { files: ['platform/**/*.test.ts'], rules: restrict([['**/harness/**', '**/topologies/**', '**/scenarios/**']]) },
  // cli/ is the composition root (it wires scenarios and topologies into the CLI): nothing imports it.
  { files: ['harness/**/*.ts'], rules: restrict([['**/topologies/**', '**/scenarios/**', '**/cli/**']]) },
  { files: ['bin/**/*.mjs', 'eslint.config.js'], languageOptions: { globals: { process: 'readonly', console: 'readonly' } } },
);
