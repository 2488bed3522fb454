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
