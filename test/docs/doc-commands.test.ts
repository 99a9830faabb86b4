// The docs' shell commands are run in a fresh clone by run-doc-commands.ts (a CI step). Here: the parsing
// it relies on, on fixtures with known answers, and the rules every document must keep so that the
// runner can run it (nothing outside the repository, a reason for every block not run, a URL for servers).
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CI_STEPS, docSteps, docStepsOfFile, parseShownJson, shapeDifferences, shellCommands } from './doc-commands.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DOCS = [
  'README.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

describe('shell blocks as commands', () => {
  it('joins continuation lines, keeps comments out, reads server URLs and shown output', () => {
    const commands = shellCommands(
      [
        'npm run model -- --out m   # builds',
        '# a comment line',
        'curl -s http://x/y \\',
        '  -d \'{"a":1}\'',
        '# {"id":"…","n":[{"i":…}]}',
        '',
        'npm run dev   # the demo: http://localhost:5173: search',
        '',
        '# [1]',
      ].join('\n'),
      10,
    );
    expect(commands).toEqual([
      { command: 'npm run model -- --out m   # builds', bare: 'npm run model -- --out m', line: 10 },
      {
        command: 'curl -s http://x/y -d \'{"a":1}\'',
        bare: 'curl -s http://x/y -d \'{"a":1}\'',
        line: 12,
        expectedJson: '{"id":"…","n":[{"i":…}]}',
      },
      {
        command: 'npm run dev   # the demo: http://localhost:5173: search',
        bare: 'npm run dev',
        line: 16,
        serverUrl: 'http://localhost:5173',
      },
    ]);
  });

  it('reads annotations: skip with a reason, a folder for commands and for a file', () => {
    const markdown = [
      '# Doc', // 1
      '', // 2
      '<!-- commands: skip needs the hub -->', // 3
      '', // 4
      '```sh', // 5
      'npm run convert -- org/model', // 6
      '```', // 7
      '', // 8
      '<!-- commands: in ../app -->', // 9
      '```js', // 10
      '// rank.mjs', // 11
      "console.log('hi');", // 12
      '```', // 13
      '', // 14
      'Text between drops an annotation.', // 15
      '', // 16
      '```ts', // 17
      '// ignored.ts', // 18
      '```', // 19
      '', // 20
      '<!-- commands: in ../app -->', // 21
      '', // 22
      '```bash', // 23
      'node rank.mjs', // 24
      '```', // 25
      '', // 26
      '```sh', // 27
      'npm test', // 28
      '```', // 29
    ].join('\n');
    const steps = docSteps(markdown);
    expect(steps).toEqual([
      {
        kind: 'skipped',
        reason: 'needs the hub',
        line: 6,
        commands: [{ command: 'npm run convert -- org/model', bare: 'npm run convert -- org/model', line: 6 }],
      },
      { kind: 'file', dir: '../app', name: 'rank.mjs', content: "// rank.mjs\nconsole.log('hi');\n", line: 11 },
      {
        kind: 'commands',
        dir: '../app',
        line: 24,
        commands: [{ command: 'node rank.mjs', bare: 'node rank.mjs', line: 24 }],
      },
      { kind: 'commands', dir: '.', line: 28, commands: [{ command: 'npm test', bare: 'npm test', line: 28 }] },
    ]);
  });
});

describe('output compared with the shape a doc shows', () => {
  const shown = parseShownJson('{"id":"…","results":[{"index":…,"score":…}],"meta":{"v":"2"}}   (best first)');

  it('accepts any values where the doc writes …, and equal written values', () => {
    expect(shapeDifferences(shown, { id: 'a', results: [{ index: 1, score: 0.5 }], meta: { v: '2' } })).toEqual([]);
  });

  it('names a missing or extra key, a different written value, a wrong type', () => {
    expect(shapeDifferences(shown, { id: 'a', results: [{ index: 1 }], meta: { v: '2' } })).toEqual([
      '$.results[0]: keys ["index"], the doc shows ["index","score"]',
    ]);
    expect(shapeDifferences(shown, { id: 'a', results: [{ index: 1, score: 2 }], meta: { v: '1' } })).toEqual([
      '$.meta.v: "1", the doc shows "2"',
    ]);
    expect(shapeDifferences(shown, { id: 'a', results: [], meta: { v: '2' } })).toEqual([
      '$.results: expected at least one element',
    ]);
    expect(shapeDifferences(shown, [])).toEqual(['$: expected an object']);
  });
});

describe('the commands of README.md and docs/', () => {
  const steps = DOCS.map((file) => ({ file, steps: docStepsOfFile(path.join(ROOT, file)) }));
  const all = steps.flatMap(({ file, steps }) =>
    steps.flatMap((step) => (step.kind === 'file' ? [] : step.commands.map((command) => ({ file, step, command })))),
  );

  it('are found, and most of them run', () => {
    const run = all.filter(({ step }) => step.kind === 'commands');
    expect(run.length).toBeGreaterThan(20);
    expect(run.length).toBeGreaterThan(2 * (all.length - run.length));
  });

  it('never point outside the repository or at a machine-local path', () => {
    const outside = all
      .filter(({ step }) => step.kind === 'commands')
      .filter(({ command }) => /(^|\s)\.\.\/(?!ko-rerank-web\/)|\/work\/|\/tmp\//.test(command.bare));
    expect(outside.map(({ file, command }) => `${file}:${command.line} ${command.bare}`)).toEqual([]);
  });

  it('say why when a block is not run', () => {
    for (const { step } of all) if (step.kind === 'skipped') expect(step.reason.length).toBeGreaterThan(10);
  });

  it('name the URL of every server they start', () => {
    const servers = all.filter(({ command }) =>
      /\bnpm run (dev|preview|serve|example:\w+)\b|ko-rerank serve/.test(command.bare),
    );
    const unnamed = servers.filter(({ step, command }) => step.kind === 'commands' && !command.serverUrl);
    expect(unnamed.map(({ file, command }) => `${file}:${command.line}`)).toEqual([]);
    expect(servers.length).toBeGreaterThan(3);
  });

  it('left to CI are the steps .ci/run really runs', () => {
    const ci = readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8');
    for (const { inCi } of CI_STEPS) expect(ci).toContain(inCi);
    const left = all.filter(({ command }) => CI_STEPS.some((step) => step.command === command.bare));
    expect(left.length).toBeGreaterThan(0);
  });
});
