// Lint: typescript-eslint's recommended rules everywhere, plus the runtime split made checkable — the
// renderer cannot reach Node or Electron, and the core cannot reach Electron.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const rendererPatterns = [
  { group: ['electron', 'electron/*'], message: 'The renderer never imports Electron: use services/client.' },
  { group: ['node:*'], message: 'The renderer never imports Node modules.' },
  { group: ['**/electron/**', '../electron', '../../electron'], message: 'The renderer reaches the core only through the bridge.' },
  {
    group: ['fs', 'path', 'os', 'child_process', 'net', 'crypto', 'http', 'https', 'url', 'util', 'better-sqlite3', 'node-ssh', 'ws'],
    message: 'The renderer never imports Node modules.',
  },
];

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', '.tools/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.property.name='only'][callee.object.name=/^(it|test|describe)$/]", message: 'No .only in committed tests' },
      ],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': ['error', { patterns: rendererPatterns }],
    },
  },
  {
    // Pages and components read stores and call their actions; only stores call services/ (and own the
    // loading, errors and refresh of what they fetch). Tests may still fake the core at services/client.
    files: ['renderer/src/pages/**/*.{ts,tsx}', 'renderer/src/components/**/*.{ts,tsx}', 'renderer/src/app.tsx'],
    ignores: ['**/*.test.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...rendererPatterns,
            { group: ['**/services', '**/services/*'], message: 'Pages and components use a store (renderer/src/stores), never services/.' },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/core/**/*.ts', 'electron/host/**/*.ts', 'shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['electron', 'electron/*'], message: 'The core is plain Node: it never imports Electron.' }] },
      ],
    },
  },
);
