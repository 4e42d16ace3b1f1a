import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const coreForbidden = {
  patterns: [
    { group: ['react', 'react-*', 'react/*', 'zustand', 'zustand/*', 'comlink', 'onnxruntime-web', 'onnxruntime-web/*', 'onnxruntime-node', 'plotly*'], message: 'src/core is pure TypeScript: no UI, store, worker or runtime libraries.' },
    { group: ['**/ui/**', '**/store/**', '**/workers/**', '**/bridge/**', '**/app/**', '**/node/**'], message: 'src/core imports nothing outside src/core.' },
  ],
};

export default tseslint.config(
  { ignores: ['dist', 'node_modules', 'scratch', 'test-results', 'src/core/onnx/proto'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx,js,mjs}'],
    languageOptions: { ecmaVersion: 2023, globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['src/**/*.tsx'],
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  {
    files: ['src/core/**/*.ts'],
    ignores: ['src/core/**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', coreForbidden], 'no-console': 'error' },
  },
  {
    files: ['src/workers/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/ui/**', '**/store/**', '**/app/**'], message: 'Workers do not import the UI or the store.' }] }] },
  },
  {
    files: ['src/ui/**/*.{ts,tsx}'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/workers/**', 'onnxruntime-*', 'zustand', 'zustand/*'], message: 'Panels read the store (store/store.ts) and call actions; they never touch workers or the runtime.' }] }] },
  },
);
