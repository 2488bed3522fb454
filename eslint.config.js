import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'src/generated/', '.data/', 'scratch/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // a worker thread's code that runs without a TypeScript loader (src/charts/raster-thread.cjs)
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src/**/*.ts'],
    rules: { 'max-lines-per-function': ['warn', { max: 100, skipBlankLines: true, skipComments: true }] },
  },
  {
    // Lower layers never reach up into the channel adapters: they depend on contracts in
    // src/domain (e.g. domain/messenger/contracts.ts) that the adapters implement.
    files: ['src/jobs/**/*.ts', 'src/agents/**/*.ts', 'src/routes/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/bots/**'], message: 'src/jobs, src/agents and src/routes never import src/bots: put the contract in src/domain.' }] }],
    },
  },
  {
    // Repositories sit below the agents as well as below the adapters.
    files: ['src/db/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/bots/**'], message: 'src/db never imports src/bots: put the contract in src/domain.' },
            { group: ['**/agents/**'], message: 'src/db never imports src/agents: move what both need into src/domain.' },
          ],
        },
      ],
    },
  },
  {
    // One composition root (docs/ARCHITECTURE.md): only service.ts, src/root, the CLI's root and
    // the factories themselves make pools or a pg-boss; everything else is given them. (Before the
    // domain's block: the domain's own no-restricted-syntax replaces this one there.)
    files: ['src/**/*.ts'],
    ignores: [
      'src/service.ts', 'src/root/**', 'src/cli.ts', 'src/cli/**', 'src/db/pool.ts', 'src/jobs/queue.ts', 'src/agents/sql/agent-pool.ts',
      // a worker thread cannot borrow the main thread's pool: its own, bounded, counted in the budget
      'src/jobs/messenger/materializer-thread.ts',
    ],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='PgBoss']", message: 'one pg-boss per process, made by the composition root (jobs/queue.ts startQueue): take it as a parameter.' },
        { selector: "CallExpression[callee.name=/^create(Agent)?Pool$/]", message: 'pools are made by the composition root (root/infrastructure.ts): take a pg.Pool as a parameter.' },
        { selector: "NewExpression[callee.property.name='Pool'], NewExpression[callee.name='Pool']", message: 'pools are made by the composition root (root/infrastructure.ts): take a pg.Pool as a parameter.' },
      ],
    },
  },
  {
    // The domain stays pure: rules only, no I/O, no frameworks (DESIGN.md §2).
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', 'fs', 'path', 'http', 'child_process'], message: 'src/domain is pure: no Node I/O.' },
            { group: ['@prisma/*', 'pg', 'fastify', '@slack/*', 'botbuilder', 'langchain', '@langchain/*', 'node-cron', '**/db/**', '**/generated/**', '**/bots/**', '**/jobs/**', '**/agents/**'], message: 'src/domain is pure: no database, framework or adapter code.' },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[object.name='process'][property.name='env']", message: 'src/domain reads no environment: pass config in.' },
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'src/domain reads no clock: pass now in.' },
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'src/domain reads no clock: pass now in.' },
      ],
    },
  },
);
