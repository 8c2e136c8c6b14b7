import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Imports no file may make: another package's internals, tfjs-node from a library. */
const boundaryPatterns = [
  { group: ['@tfseg/*/src/*', '@tfseg/*/src'], message: 'Import another package only through its public index.' },
  { group: ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'], message: 'Libraries never import tfjs-node directly; @tfseg/training loads it dynamically.' },
];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': ['error', { patterns: boundaryPatterns }],
    },
  },
  {
    // One import style for TypeScript: relative imports without an extension (moduleResolution Bundler;
    // tsup, tsc and jest resolve them). Plain .js/.mjs files (the browser example) keep the extensions ESM needs.
    files: ['**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [...boundaryPatterns, { regex: '^\\.{1,2}/.*\\.[cm]?js$', message: 'One import style: relative imports in TypeScript name the module without an extension.' }] }],
    },
  },
  {
    // The browser example: plain scripts for a page (tfjs as the global `tf`) and its Node server.
    files: ['examples/*/*.js'],
    languageOptions: {
      globals: Object.fromEntries(['tf', 'window', 'document', 'location', 'fetch', 'URL', 'URLSearchParams', 'OffscreenCanvas', 'createImageBitmap', 'performance'].map((name) => [name, 'readonly'])),
    },
  },
  {
    files: ['examples/*/*.mjs'],
    languageOptions: { globals: { process: 'readonly', URL: 'readonly' } },
  },
);
