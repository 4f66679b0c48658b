// Flat config: typescript-eslint's type-aware rules, no default exports, type-only imports.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'dist-typecheck/**',
      'node_modules/**',
      'bin/**',
      'coverage/**',
      'eslint.config.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always', { null: 'never' }],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' },
      ],
    },
  },
  { files: ['eslint.config.js', 'vitest.config.ts'], rules: { 'no-restricted-syntax': 'off' } },
  // Pure folders: the mapper, the config work and the renderings take data and return data. No
  // GitLab, no cluster, no files, no simulators; types may be shared (allowTypeImports).
  {
    files: ['src/plan/**/*.ts', 'src/agent-config/**/*.ts', 'src/report/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            'fs',
            'fs/promises',
            'node:fs',
            'node:fs/promises',
            'node:child_process',
            'node:net',
            'node:http',
            'node:https',
          ].map((name) => ({
            name,
            message: 'A pure folder does no I/O: take the data as an argument.',
          })),
          patterns: [
            {
              group: [
                '**/gitlab/*',
                '**/apply/*',
                '**/apply/**',
                '**/commands/*',
                '**/commands/**',
                '**/live-state/*',
                '**/simulator/**',
                '**/discovery/discover.js',
                '**/config-delivery/*',
              ],
              allowTypeImports: true,
              message: 'A pure folder does no I/O: take the data as an argument.',
            },
            {
              // the cluster side only through its pure naming rules
              group: ['**/kube/*', '!**/kube/agentk-names.js', '!**/kube/fit-name.js'],
              allowTypeImports: true,
              message:
                'A pure folder does no I/O: only kube/agentk-names.js and kube/fit-name.js are pure.',
            },
          ],
        },
      ],
    },
  },
  // Only the simulate command, the demo and the benchmark start simulators.
  {
    files: ['src/**/*.ts'],
    // --demo starts them in connection.ts (and the wizard's demo clusters)
    ignores: [
      'src/simulator/**',
      'src/bench/**',
      'src/commands/**',
      'src/connection.ts',
      'src/wizard/run-wizard.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/simulator/**'],
              message:
                'The tool does not run on simulators: only simulate, --demo and the benchmark do.',
            },
          ],
        },
      ],
    },
  },
);
