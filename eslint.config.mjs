// Lint guards the architecture, not style (Prettier owns style): no import cycles, the domain never
// reaches adapters, configuration or dev tooling, nothing shipped imports dev/, no floating or misused
// promises, no `any`. Type-aware rules read tsconfig.json, so every linted file must be in it.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';
import noImportCycle from './eslint-rules/no-import-cycle.mjs';

const DOMAIN = ['shared/runbook', 'shared/diagnosis', 'shared/policy', 'shared/alerts'];
const ADAPTERS = ['shared/graph', 'shared/store', 'shared/hunting', 'shared/queues', 'shared/sentinel', 'shared/telemetry'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tools/**', 'coverage/**', 'test/infra/fixtures/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX, architecture: { rules: { 'no-import-cycle': noImportCycle } } },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: `${import.meta.dirname}/tsconfig.json` })],
    },
    rules: {
      'architecture/no-import-cycle': 'error',
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            ...DOMAIN.map((target) => ({
              target: `./${target}`,
              from: [...ADAPTERS.map((adapter) => `./${adapter}`), './shared/config.ts', './dev'],
              message: 'The domain depends on ports (shared/runbook/ports.ts), never on adapters, configuration or dev/.',
            })),
            {
              target: ['./functions', './shared'],
              from: './dev',
              message: 'Shipped code never imports dev/ (local host, simulator, tooling).',
            },
          ],
        },
      ],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      // Rethrowing what a catch caught is the only way this code throws an unknown.
      '@typescript-eslint/only-throw-error': ['error', { allowThrowingUnknown: true }],
      // The sanitizers match control characters on purpose (alert text, KQL, user agents).
      'no-control-regex': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Tests read parsed JSON (HTTP bodies, samples, the simulator's log) and assert on its shape: a typed
    // decoder before every expect would check nothing the expects do not. Test doubles implement async
    // ports without awaiting. `any` itself stays forbidden; the one exception says why in place.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
  prettier,
);
