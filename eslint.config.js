// Lint rules for bpfdbg (ESLint flat config): ESLint's and typescript-eslint's recommended
// sets plus a few project rules. `npm run lint`; .ci/run runs it after the typecheck.
// Unused names are tsc's job too (noUnusedLocals/noUnusedParameters); the lint rule agrees
// with it on the `_name` convention for parameters an interface requires.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  { ignores: ['dist/**', 'node_modules/**', 'examples/**', 'editors/**', 'sessions/**', 'data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      eqeqeq: ['error', 'smart'],
      'no-var': 'error',
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }], // a closure may read a later-assigned let
      'no-throw-literal': 'error',
      'no-return-assign': ['error', 'except-parens'],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    // Terminal escape sequences and the gdb remote protocol's ^C are control characters on purpose.
    files: ['src/tui/**', 'src/gdbstub/**', 'test/tui/**'],
    rules: { 'no-control-regex': 'off' },
  },
  {
    // Assertions on column layout read better with the spaces written out.
    files: ['test/**'],
    rules: { 'no-regex-spaces': 'off' },
  },
);
