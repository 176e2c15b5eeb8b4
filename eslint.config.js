// Flat config: typescript-eslint's recommended rules, plus the workflow sandbox rule that matters most here.
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

module.exports = tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.data/**', '.tools/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['bin/**/*.js', 'eslint.config.js', 'jest.config.js'],
    languageOptions: {
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        __dirname: 'readonly',
        console: 'readonly',
      },
    },
  },
  {
    // Workflows run in Temporal's deterministic sandbox: no Node modules, no I/O, only types from activities.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['fs', 'path', 'http', 'https', 'net', 'crypto', 'child_process', 'os', 'node:*'],
              message: 'workflows must not use Node modules',
            },
            { group: ['knex', 'pg', 'amazon-sp-api', 'pino'], message: 'workflows do no I/O: call an activity' },
            {
              group: ['../activities/*', '../activities/**'],
              allowTypeImports: true,
              message: 'workflows import only types from activities',
            },
          ],
        },
      ],
    },
  },
  {
    // The sandbox pretends to be Amazon: it shares Amazon's facts and models, the body helpers and the logger, nothing else.
    files: ['sandbox/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                ...['activities', 'cli', 'db', 'servers', 'workers', 'workflows'].flatMap((d) => [
                  `**/${d}`,
                  `**/${d}/**`,
                ]),
                '**/lib/*',
                '!**/lib/amazon-facts',
                '!**/lib/sp-api-models',
                '!**/lib/http-body',
                '!**/lib/logger',
              ],
              message: 'the sandbox imports only lib/amazon-facts, lib/sp-api-models, lib/http-body and lib/logger',
            },
          ],
        },
      ],
    },
  },
  {
    // Servers and workers are started by the CLI; they never import it (servers/README.md names the one exception).
    files: ['servers/**/*.ts', 'workers/**/*.ts', 'lib/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/cli/*', '!**/cli/shipments'],
              message: 'cli/ calls servers/, workers/ and lib/, not the reverse',
            },
          ],
        },
      ],
    },
  },
);
