// Reads the shell commands out of README.md and docs/*.md the way a newcomer would copy them, so that
// run-doc-commands.ts can run each one in a fresh clone. Parsing is marked's (tilde fences, longer fences
// and fences holding ``` are what a regex gets wrong); only top-level fences are read.
//
// A fenced block may be preceded by one HTML comment that says how to run it (invisible on GitHub):
//   <!-- commands: skip <reason> -->   not run; the reason is printed (a placeholder path, a download)
//   <!-- commands: in <dir> -->        run in <dir>, relative to the clone's root (created when missing);
//                                      on a js/ts block whose first line is `// <file>`, that file is
//                                      written into <dir> before the commands after it run
// A command whose trailing comment names an http:// URL is a server: it is started, the URL is probed
// until it answers 2xx, and it is stopped when its document ends. A command followed by comment lines that
// hold JSON (`# {...}`, with … for any value) must print JSON of that shape.
import { readFileSync } from 'node:fs';
import { marked, type Token } from 'marked';

const SHELL_LANGS = new Set(['sh', 'bash', 'shell', 'console']);
const SOURCE_LANGS = new Set(['js', 'mjs', 'ts']);

export interface DocCommand {
  /** The command as bash runs it (continuation lines joined, trailing comment kept). */
  command: string;
  /** The same without its trailing comment. */
  bare: string;
  /** 1-based line in the Markdown file where the command starts. */
  line: number;
  /** The readiness URL when the command starts a server. */
  serverUrl?: string;
  /** The JSON the doc shows as this command's output, when it shows one. */
  expectedJson?: string;
}

export type DocStep =
  | { kind: 'commands'; dir: string; commands: DocCommand[]; line: number }
  | { kind: 'file'; dir: string; name: string; content: string; line: number }
  | { kind: 'skipped'; reason: string; commands: DocCommand[]; line: number };

const ANNOTATION = /^<!--\s*commands:\s*(skip|in)\s+(.+?)\s*-->\s*$/;
const URL_IN_COMMENT = /#.*?(https?:\/\/[^\s),]+)/;

/** Splits a shell block into commands: `\` joins lines, `#` lines are comments or shown output. */
export function shellCommands(text: string, firstLine: number): DocCommand[] {
  const lines = text.split('\n');
  const commands: DocCommand[] = [];
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let command = lines[i]!;
    if (command.trim() === '' || command.trim().startsWith('#')) {
      const shown = command.trim().replace(/^#\s*/, '');
      const previous = commands.at(-1);
      // Output shown right under a command (no blank line between) belongs to it.
      if (previous && /^[{[]/.test(shown) && lines[i - 1]?.trim() !== '' && previous.expectedJson === undefined)
        previous.expectedJson = shown;
      continue;
    }
    while (command.endsWith('\\') && i + 1 < lines.length) command = `${command.slice(0, -1)}${lines[++i]!.trim()}`;
    const url = URL_IN_COMMENT.exec(command)?.[1]?.replace(/[:.;]+$/, ''); // a URL ending a clause
    commands.push({
      command: command.trim(),
      // A # after a space starts a comment (the docs put none inside quotes).
      bare: command.replace(/\s+#\s.*$/, '').trim(),
      line: firstLine + start,
      ...(url ? { serverUrl: url } : {}),
    });
  }
  return commands;
}

/** The steps of one Markdown document, in order. */
export function docSteps(markdown: string): DocStep[] {
  const steps: DocStep[] = [];
  let annotation: { what: string; value: string } | undefined;
  let line = 1;
  for (const token of marked.lexer(markdown) as Token[]) {
    const tokenLine = line;
    line += token.raw.split('\n').length - 1;
    if (token.type === 'html') {
      const match = ANNOTATION.exec(token.raw.trim());
      if (match) annotation = { what: match[1]!, value: match[2]! };
      continue;
    }
    if (token.type === 'space') continue;
    const note = annotation;
    annotation = undefined;
    if (token.type !== 'code') continue;
    const lang = String(token.lang ?? '')
      .split(/\s/)[0]!
      .toLowerCase();
    const codeLine = tokenLine + 1; // below the opening fence
    if (SHELL_LANGS.has(lang)) {
      const commands = shellCommands(String(token.text), codeLine);
      if (note?.what === 'skip') steps.push({ kind: 'skipped', reason: note.value, commands, line: codeLine });
      else steps.push({ kind: 'commands', dir: note?.what === 'in' ? note.value : '.', commands, line: codeLine });
    } else if (SOURCE_LANGS.has(lang) && note?.what === 'in') {
      const name = /^\/\/\s*([\w.-]+\.[cm]?[jt]s)\s*$/.exec(String(token.text).split('\n')[0]!)?.[1];
      if (!name) throw new Error(`line ${codeLine}: a source block marked "in ${note.value}" starts with // <file>`);
      steps.push({ kind: 'file', dir: note.value, name, content: `${String(token.text)}\n`, line: codeLine });
    }
  }
  return steps;
}

export function docStepsOfFile(file: string): DocStep[] {
  return docSteps(readFileSync(file, 'utf8'));
}

/** The JSON a doc shows, with … standing for any value, parsed with each … as null. */
export function parseShownJson(shown: string): unknown {
  const end = Math.max(shown.lastIndexOf('}'), shown.lastIndexOf(']'));
  const json = shown
    .slice(0, end + 1)
    .replaceAll('"…"', 'null')
    .replaceAll('…', 'null');
  return JSON.parse(json) as unknown;
}

/**
 * Where `actual` does not have the shape of `shown`: the same keys in every object, arrays compared by
 * their first element, values the doc writes out (not …) equal. Empty when it matches.
 */
export function shapeDifferences(shown: unknown, actual: unknown, at = '$'): string[] {
  if (shown === null) return actual === undefined ? [`${at}: missing`] : [];
  if (Array.isArray(shown)) {
    if (!Array.isArray(actual)) return [`${at}: expected an array`];
    if (shown.length > 0 && actual.length === 0) return [`${at}: expected at least one element`];
    return shown.length > 0 ? shapeDifferences(shown[0], actual[0], `${at}[0]`) : [];
  }
  if (typeof shown === 'object') {
    if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) return [`${at}: expected an object`];
    const shownKeys = Object.keys(shown).sort();
    const actualKeys = Object.keys(actual).sort();
    if (shownKeys.join() !== actualKeys.join())
      return [`${at}: keys ${JSON.stringify(actualKeys)}, the doc shows ${JSON.stringify(shownKeys)}`];
    return shownKeys.flatMap((key) =>
      shapeDifferences(
        (shown as Record<string, unknown>)[key],
        (actual as Record<string, unknown>)[key],
        `${at}.${key}`,
      ),
    );
  }
  return Object.is(shown, actual) ? [] : [`${at}: ${JSON.stringify(actual)}, the doc shows ${JSON.stringify(shown)}`];
}

/**
 * Commands of the docs that CI runs as steps of its own (.ci/run): running them again from the docs
 * would double CI's longest steps. `inCi` is the line .ci/run holds; a test checks it is there.
 */
export const CI_STEPS: readonly { command: string; inCi: string }[] = [
  { command: 'npm test', inCi: 'npm test --' },
  { command: 'npx tsc --noEmit -p .', inCi: 'npx tsc --noEmit -p .' },
  { command: 'npm run lint', inCi: 'npm run --silent lint' },
];
