// Flat config: typescript-eslint's recommended rules, plus the layering the architecture relies on (docs/architecture.md),
// enforced rather than hoped for. A later block for the same files replaces an earlier one's no-restricted-imports.
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

const NODE = ['fs', 'path', 'http', 'https', 'net', 'crypto', 'child_process', 'os', 'node:*'];
const banned = (group, message, extra = {}) => ({ group, message, ...extra });
const layer = (files, ...patterns) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { patterns }] },
});
/** Only the book (and db/, its connection and migrations) talks SQL; others may name its types. */
const noSql = banned(['knex', 'pg'], 'SQL lives in book/: call a book operation', { allowTypeImports: true });

/**
 * A Db or transaction handed in as a value could still be queried: `db('table')`, `trx.raw(...)`, `db.schema`,
 * `db.fn`. Outside book/ and db/ these are refused.
 */
const QUERY_HANDLE = '/^(db|trx|knex|tx|database)$/';
const noQueries = {
  files: [
    'activities/**/*.ts',
    'cli/**/*.ts',
    'lib/**/*.ts',
    'servers/**/*.ts',
    'workers/**/*.ts',
    'workflows/**/*.ts',
  ],
  rules: {
    'no-restricted-syntax': [
      'error',
      {
        selector: `CallExpression[callee.type='Identifier'][callee.name=${QUERY_HANDLE}]`,
        message: 'SQL lives in book/: call a book operation',
      },
      {
        selector: `MemberExpression[object.name=${QUERY_HANDLE}][property.name=/^(raw|schema|fn|transaction|select|from|insert|update|delete)$/]`,
        message: 'SQL lives in book/: call a book operation',
      },
    ],
  },
};

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
  // Workflows run in Temporal's deterministic sandbox: no Node modules, no I/O, only types from activities and the
  // book, and of lib/ only its pure modules.
  layer(
    ['workflows/**/*.ts'],
    banned(NODE, 'workflows must not use Node modules'),
    banned(
      ['knex', 'pg', 'amazon-sp-api', 'pino', '@temporalio/client', '@temporalio/worker'],
      'workflows do no I/O: call an activity',
    ),
    banned(
      ['../activities/*', '../activities/**', '../book/*'],
      'workflows import only types from activities and the book',
      {
        allowTypeImports: true,
      },
    ),
    banned(
      [
        '../lib/*',
        '!../lib/errors',
        '!../lib/shipment',
        '!../lib/validation',
        '!../lib/amazon-facts',
        '!../lib/finance-totals',
      ],
      'workflows import only the pure modules of lib/',
      {
        allowTypeImports: true,
      },
    ),
    banned(['../cli/*', '../servers/*', '../workers/*', '../sandbox/*', '../db', '../db/*'], 'workflows do no I/O'),
  ),
  // The book: every SQL statement, named operations. It imports only lib/ and db/ (its connection), and its own files.
  layer(
    ['book/**/*.ts'],
    banned(
      [
        '../activities/*',
        '../activities/**',
        '../workflows/*',
        '../cli/*',
        '../servers/*',
        '../workers/*',
        '../sandbox/*',
      ],
      'the book imports only lib/, db/ and its own files',
    ),
    banned(['@temporalio/*', 'amazon-sp-api'], 'the book knows nothing of Temporal or Amazon: its callers do'),
  ),
  layer(
    ['db/**/*.ts'],
    banned(
      ['../activities/*', '../cli/*', '../servers/*', '../workers/*', '../workflows/*', '../book/*'],
      'db/ is the connection and the migrations',
    ),
  ),
  // lib/: small shared modules. The workflow client helpers name workflows' definitions; nothing above lib/.
  layer(
    ['lib/**/*.ts'],
    banned(
      ['../activities/*', '../activities/**', '../book/*', '../cli/*', '../servers/*', '../workers/*', '../sandbox/*'],
      'lib/ is the bottom layer',
    ),
    noSql,
  ),
  layer(
    ['activities/**/*.ts'],
    banned(
      ['../cli/*', '../servers/*', '../workers/*', '../../cli/*', '../../servers/*', '../../workers/*'],
      'activities are called by workers, not the other way',
    ),
    noSql,
  ),
  layer(
    ['workers/**/*.ts'],
    banned(['../cli/*', '../cli/**'], 'workers/ does not import cli/: shared code lives in lib/'),
    noSql,
  ),
  layer(
    ['servers/**/*.ts'],
    banned(['../cli/*', '../cli/**', '../workers/*'], 'servers call the book and lib/, never the CLI'),
    noSql,
  ),
  layer(['cli/**/*.ts'], noSql),
  // The sandbox pretends to be Amazon: of the connector it knows only Amazon's facts and models, and the body helpers.
  layer(
    ['sandbox/**/*.ts'],
    banned(
      [
        '../activities/*',
        '../book/*',
        '../cli/*',
        '../db',
        '../servers/*',
        '../workers/*',
        '../workflows/*',
        '../../activities/*',
        '../../book/*',
        '../../workflows/*',
        '../../cli/*',
      ],
      'the sandbox imports only lib/amazon-facts, lib/sp-api-models, lib/http-body and lib/logger',
    ),
    banned(
      [
        '../lib/*',
        '../../lib/*',
        '!../lib/amazon-facts',
        '!../../lib/amazon-facts',
        '!../lib/sp-api-models',
        '!../../lib/sp-api-models',
        '!../lib/http-body',
        '!../lib/logger',
        '!../../lib/http-body',
        '!../../lib/logger',
      ],
      'the sandbox imports only lib/amazon-facts, lib/sp-api-models, lib/http-body and lib/logger',
    ),
  ),
  noQueries,
);
