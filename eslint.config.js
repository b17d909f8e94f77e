// ESLint for the whole project, with type information: the rules that catch the bugs a service
// like this one ships (a promise nobody awaits, a misused async callback) need the types.
//
// `machines/` and `src/simulation/` must stay free of I/O: the statechart is pure, and the
// simulator runs in the browser. The import and global rules below say so where the code is read,
// instead of a test that greps for `node:`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** What pure code may import: XState, zod and the pure folders, each given as a regex. */
const pureImports = (allowed) => ({
  patterns: [{ regex: `^(?!(${allowed.join('|')}))`, message: 'machines/ and src/simulation/ are pure: no I/O, no Node built-ins, no clients.' }],
});

const impureGlobals = [
  { name: 'process', message: 'Pure code reads no environment: pass settings in.' },
  { name: 'setTimeout', message: 'Pure code sets no real timer: use the Clock it is given.' },
  { name: 'setInterval', message: 'Pure code sets no real timer: use the Clock it is given.' },
  { name: 'fetch', message: 'Pure code does no I/O.' },
];

const impureSyntax = [
  { selector: "MemberExpression[object.name='Date'][property.name='now']", message: 'Pure code reads no wall clock: time comes with the events or the Clock.' },
  { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Pure code reads no wall clock: time comes with the events or the Clock.' },
];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.stryker-tmp/', 'reports/', 'bridge/python/', 'statecharts/*.svg', '**/*.mjs', 'bin/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['eslint.config.js'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      // An async function that awaits nothing still keeps a Promise-returning interface's shape.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/ban-ts-comment': ['error', { 'ts-expect-error': 'allow-with-description' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    // Vitest types its asymmetric matchers (`expect.any(Number)`, `expect.stringContaining(…)`) and
    // `response.json()` as `any`; in an assertion that is what they are for.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      // Tests wrap and spy on client methods, and print whatever a failure carries.
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-base-to-string': 'off',
      'no-useless-assignment': 'off',
    },
  },
  {
    files: ['eslint.config.js'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    files: ['machines/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', pureImports(['xstate$', '\\./'])],
      'no-restricted-globals': ['error', ...impureGlobals],
      'no-restricted-syntax': ['error', ...impureSyntax],
    },
  },
  {
    files: ['src/simulation/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', pureImports(['xstate$', 'zod$', '\\./', '\\.\\./\\.\\./machines/'])],
      'no-restricted-globals': ['error', ...impureGlobals],
      'no-restricted-syntax': ['error', ...impureSyntax],
    },
  },
);
