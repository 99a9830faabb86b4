// Lint rules, chosen for what a type checker does not catch (see docs/contributing.md for why each is on).
// Formatting is Prettier's job (npm run format); nothing here overlaps with it.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * Which source folders each folder may import from: the architecture of README's layout table.
 * Pure cores first (engine, retrieval, hub-mirror import nothing of ours but errors), the browser shell on top.
 */
const LAYERS = {
  errors: [],
  engine: [],
  retrieval: [],
  'hub-mirror': [],
  eval: ['retrieval'],
  'model-builder': ['engine'],
  reference: ['engine', 'model-builder'],
  // Real rerankers' shapes, and the device probe that builds one layer of each to time it.
  catalog: ['engine', 'model-builder'],
  converter: ['engine', 'model-builder', 'reference'],
  worker: ['catalog', 'engine'],
  client: ['engine', 'worker'],
  dropin: ['client', 'engine', 'worker'],
  pwa: ['worker'],
  server: ['engine'],
  // Framework adapters (AI SDK, LangChain.js): over the engine's types, for every kind of reranker.
  adapters: ['engine'],
  demo: ['catalog', 'client', 'engine', 'eval', 'pwa', 'retrieval', 'worker'],
  // The package's published entries (browser, node): they only re-export the folders' public lists.
  entry: ['adapters', 'client', 'converter', 'dropin', 'engine', 'server'],
};

const FOLDERS = Object.keys(LAYERS);
/** Under every layer: the one vocabulary of error codes and the base class carrying one. */
const FOUNDATION = ['errors'];

/** One config block per folder: importing a folder outside its allowed list is an error. */
const layerRules = Object.entries(LAYERS).map(([folder, allowed]) => ({
  files: [`src/${folder}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: FOLDERS.filter(
          (other) => other !== folder && !allowed.includes(other) && !FOUNDATION.includes(other),
        ).map((other) => ({
          group: [`**/${other}/*`, `**/${other}`],
          message: `src/${folder} may import only from ${[...allowed, ...FOUNDATION].join(', ')} (layers in eslint.config.js).`,
        })),
      },
    ],
  },
}));

export default tseslint.config(
  {
    ignores: ['node_modules/', 'dist/', 'models/', '.cache/', 'bench/results/', 'test-results/', 'scratch/', 'public/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A promise nobody awaits loses its rejection: the worst kind of bug in a worker protocol.
      '@typescript-eslint/no-floating-promises': 'error',
      // An async function passed where a void callback is expected (event handlers) loses rejections too.
      '@typescript-eslint/no-misused-promises': [
        'error',
        { checksVoidReturn: { arguments: false, attributes: false } },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-eval': 'error',
      'no-implied-eval': 'error',
    },
  },
  ...layerRules,
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  { files: ['examples/**/*.js'], languageOptions: { globals: globals.browser } },
  { files: ['*.js'], languageOptions: { globals: globals.node } },
);
