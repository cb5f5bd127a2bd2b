// Lint: typescript-eslint's recommended rules over every package; types are checked by `tsc -b`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.keysmith/**', 'test/reporter.js', 'service/bin/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true, argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // The schemas reject control characters on purpose.
      'no-control-regex': 'off',
    },
  },
  // Tests read loosely typed JSON answers, and chai's property assertions (`.to.be.true`) are expressions.
  {
    files: ['**/test/**/*.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-unused-expressions': 'off' },
  },
);
