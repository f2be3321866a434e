// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Layers, bottom up: contracts and lib depend on nothing of the product; storage, telemetry and routing on those;
 * heygen (the adapters) on contracts, lib, storage and telemetry; activities on those and routing; workflows on
 * contracts (activities and heygen as types only); client, webhooks and worker above; api, cli and bench on top.
 * Each folder lists the top-level folders it must not import (relative imports from any depth).
 */
const PRODUCT = [
  'activities',
  'api',
  'bench',
  'cli',
  'client',
  'contracts',
  'heygen',
  'lib',
  'routing',
  'simulator',
  'storage',
  'telemetry',
  'webhooks',
  'worker',
  'workflows',
];
const everythingBut = (...allowed) => PRODUCT.filter((d) => !allowed.includes(d));
/** @type {Record<string, { deny: string[]; typesOnly?: string[] }>} */
const LAYERS = {
  contracts: { deny: everythingBut('contracts') },
  lib: { deny: everythingBut('lib') },
  simulator: { deny: everythingBut('simulator', 'lib') },
  storage: { deny: everythingBut('storage', 'lib', 'contracts') },
  telemetry: { deny: everythingBut('telemetry', 'lib', 'contracts') },
  routing: { deny: everythingBut('routing', 'lib', 'contracts') },
  heygen: { deny: everythingBut('heygen', 'lib', 'contracts', 'storage', 'telemetry') },
  activities: {
    deny: everythingBut('activities', 'lib', 'contracts', 'storage', 'telemetry', 'heygen', 'routing'),
  },
  workflows: {
    deny: everythingBut('workflows', 'contracts', 'activities', 'heygen'),
    typesOnly: ['activities', 'heygen'],
  },
  client: {
    deny: everythingBut('client', 'lib', 'contracts', 'storage', 'workflows'),
    typesOnly: ['workflows'],
  },
  webhooks: { deny: everythingBut('webhooks', 'lib', 'contracts', 'heygen', 'telemetry', 'routing') },
  worker: {
    deny: everythingBut(
      'worker',
      'lib',
      'contracts',
      'storage',
      'telemetry',
      'heygen',
      'activities',
      'client',
    ),
  },
  api: { deny: everythingBut('api', 'lib', 'contracts', 'storage', 'telemetry', 'client') },
};
// An import string names a top-level folder through as many `../` as the file is deep: one config per depth, so
// `heygen/v2/adapter.ts` importing `../client` (heygen/client.ts) is not taken for the top-level client/.
const layerConfigs = Object.entries(LAYERS).flatMap(([layer, { deny, typesOnly = [] }]) =>
  [1, 2, 3].map((depth) => {
    const up = '../'.repeat(depth);
    const group = (d) => [`${up}${d}`, `${up}${d}/**`];
    return {
      files: [`${layer}/${'*/'.repeat(depth - 1)}*.ts`],
      rules: {
        '@typescript-eslint/no-restricted-imports': [
          'error',
          {
            patterns: [
              ...deny
                .filter((d) => !typesOnly.includes(d))
                .map((d) => ({
                  group: group(d),
                  message: `${layer}/ must not depend on ${d}/ (eslint.config.mjs LAYERS).`,
                })),
              ...typesOnly.map((d) => ({
                group: group(d),
                allowTypeImports: true,
                message: `${layer}/ imports ${d}/ as types only (eslint.config.mjs LAYERS).`,
              })),
            ],
          },
        ],
      },
    };
  }),
);

export default tseslint.config(
  {
    ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.data/**', 'bench/results/**', 'test-output/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', '*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no I/O libraries,
    // activities imported as types only.
    files: ['workflows/**/*.ts', 'contracts/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            'fs',
            'fs/promises',
            'path',
            'os',
            'crypto',
            'http',
            'https',
            'net',
            'child_process',
            'stream',
            'stream/promises',
            'zlib',
            'url',
            'util',
            'events',
            'process',
            'buffer',
            'timers',
            'worker_threads',
            'axios',
            '@temporalio/worker',
            '@temporalio/client',
            '@temporalio/activity',
          ].map((name) => ({ name, message: 'Not allowed in deterministic workflow code.' })),
          patterns: [
            { group: ['node:*'], message: 'Workflow code must not use Node built-ins.' },
            {
              group: [
                '**/heygen/client*',
                '**/heygen/http*',
                '**/heygen/download*',
                '**/simulator/**',
                '**/worker/**',
                '**/lib/env*',
              ],
              message: 'Workflow code must not import I/O modules.',
            },
            {
              group: ['**/activities', '**/activities/*'],
              allowTypeImports: true,
              message: 'Import activities as types only.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'Use sleep() from @temporalio/workflow.' },
        { name: 'setInterval', message: 'Use sleep() from @temporalio/workflow.' },
        { name: 'process', message: 'No process access in workflows.' },
      ],
    },
  },
  ...layerConfigs,
  {
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      globals: { module: 'readonly', require: 'readonly', __dirname: 'readonly', process: 'readonly' },
    },
  },
);
