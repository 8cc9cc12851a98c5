// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['eslint.config.js', 'node_modules/**', 'data/**', '.services/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': 'off',
    },
  },
  {
    // The house rules of DESIGN.md: arrows point down only.
    files: ['schema/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['../connectors/*', '../jobs/*', '../subgraphs/*', '../gateway/*', '../bin/*', '../../connectors/*', '../../jobs/*', '../../subgraphs/*', '../../gateway/*', '../../bin/*'] }] },
  },
  {
    files: ['connectors/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/jobs/*', '**/subgraphs/*', '**/gateway/*', '**/bin/*'] }] },
  },
  {
    files: ['jobs/**/*.ts', 'subgraphs/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/connectors/embedded/*', '**/connectors/kafka/*', '**/connectors/clickhouse/*', '**/connectors/redis/*', '**/connectors/postgres/*', '**/connectors/onnx/*', '**/gateway/*', '**/bin/*'] }] },
  },
  {
    files: ['gateway/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/connectors/*', '**/jobs/*', '**/subgraphs/*', '**/bin/*'] }] },
  },
);
