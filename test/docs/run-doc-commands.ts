/**
 * Runs every shell command of README.md and docs/*.md, exactly as written, in a fresh clone of the
 * repository's committed HEAD: what a newcomer gets by copying them. Documents run in order (README
 * first, so its `npm install` leaves node_modules for the rest); between documents the clone goes back
 * to clean (everything untracked removed but node_modules), so each document must stand on its own.
 * Servers (a command whose comment names a URL) are probed until that URL answers 2xx and stopped when
 * their document ends. Annotations and the parsing: doc-commands.ts.
 *
 *   npx tsx test/docs/run-doc-commands.ts [--keep] [README.md docs/x.md ...]
 *
 * Writes test-results/doc-commands.json and exits 1 when any command failed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CI_STEPS, docStepsOfFile, parseShownJson, shapeDifferences, type DocCommand } from './doc-commands.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
/** A plain command (npm install, a build, a test file) may take this long. */
const COMMAND_TIMEOUT_MS = 600_000;
/** A server must answer its URL within this (a dev server after `npm install`). */
const SERVER_READY_MS = 240_000;

interface Outcome {
  file: string;
  line: number;
  command: string;
  status: 'ok' | 'failed' | 'skipped';
  seconds?: number;
  detail?: string;
}

const args = process.argv.slice(2);
const keep = args.includes('--keep');
const only = args.filter((arg) => !arg.startsWith('--'));

const workspace = mkdtempSync(path.join(os.tmpdir(), 'doc-commands-'));
// Named like the repository: docs refer to the clone from a neighbouring app folder as ../ko-rerank-web.
const clone = path.join(workspace, 'ko-rerank-web');
git(['clone', '--quiet', '--no-hardlinks', ROOT, clone], workspace);

/** The environment of a newcomer's shell: npm's own variables (set when this runs under npm) removed. */
const env = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) && !key.startsWith('VITEST')),
);

function git(gitArgs: string[], cwd: string): void {
  const result = spawnSync('git', gitArgs, { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`git ${gitArgs.join(' ')}: ${result.stderr}`);
}

function documents(): string[] {
  if (only.length) return only;
  const docs = readdirSync(path.join(clone, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs];
}

/** Output kept for a failure report: the end, where the error is. */
function tail(text: string, chars = 3000): string {
  return text.length > chars ? `…${text.slice(-chars)}` : text;
}

function run(command: string, cwd: string): Promise<{ code: number | null; output: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', command], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => ((stdout += chunk), (output += chunk)));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    const timer = setTimeout(() => {
      output += `\n[timed out after ${COMMAND_TIMEOUT_MS / 1000} s: a server needs its URL in the comment]`;
      void stopGroup(child);
    }, COMMAND_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, stdout });
    });
  });
}

/** SIGTERM to the command's process group (bash, npm and what they started), SIGKILL if it lingers. */
function stopGroup(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return resolve();
    const pid = child.pid;
    const kill = setTimeout(() => {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 15_000);
    child.once('close', () => (clearTimeout(kill), resolve()));
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      clearTimeout(kill);
      resolve();
    }
  });
}

function portInUse(url: URL): Promise<boolean> {
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  return new Promise((resolve) => {
    const socket = net.connect({ host: url.hostname, port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

async function startServer(
  command: DocCommand,
  cwd: string,
): Promise<{ child?: ChildProcess; error?: string; output: () => string }> {
  const url = new URL(command.serverUrl!);
  if (await portInUse(url)) return { error: `port ${url.port} is already in use on this machine`, output: () => '' };
  const child = spawn('bash', ['-c', command.command], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
  const deadline = Date.now() + SERVER_READY_MS;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      return { error: `exited (${child.exitCode}) before ${url} answered`, output: () => output };
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
      await response.body?.cancel();
      if (response.ok) return { child, output: () => output };
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await stopGroup(child);
  return {
    error: `${url} did not answer 2xx within ${SERVER_READY_MS / 1000} s (last: ${last})`,
    output: () => output,
  };
}

function checkShownOutput(command: DocCommand, stdout: string): string | undefined {
  if (command.expectedJson === undefined) return undefined;
  let actual: unknown;
  try {
    actual = JSON.parse(stdout) as unknown;
  } catch {
    return `the doc shows JSON output, the command printed: ${tail(stdout, 500)}`;
  }
  const differences = shapeDifferences(parseShownJson(command.expectedJson), actual);
  return differences.length ? `output differs from the doc: ${differences.join('; ')}` : undefined;
}

async function runDocument(file: string, outcomes: Outcome[]): Promise<void> {
  const servers: ChildProcess[] = [];
  const made = new Set<string>();
  const record = (outcome: Outcome): void => {
    outcomes.push(outcome);
    const mark = { ok: 'ok  ', failed: 'FAIL', skipped: 'skip' }[outcome.status];
    const time = outcome.seconds === undefined ? '' : ` (${outcome.seconds.toFixed(1)} s)`;
    console.log(`${mark} ${file}:${outcome.line} ${outcome.command}${time}`);
    if (outcome.detail) console.log(`     ${outcome.detail.replaceAll('\n', '\n     ')}`);
  };
  const folder = (dir: string): string => {
    const resolved = path.resolve(clone, dir);
    if (!existsSync(resolved)) {
      mkdirSync(resolved, { recursive: true });
      made.add(resolved);
    }
    return resolved;
  };
  /** Runs one command (a server stays up in `servers`); what went wrong, or undefined. */
  const runCommand = async (command: DocCommand, cwd: string): Promise<string | undefined> => {
    if (command.serverUrl) {
      const server = await startServer(command, cwd);
      if (server.child) servers.push(server.child);
      return server.error ? `${server.error}\n${tail(server.output())}` : undefined;
    }
    const { code, output, stdout } = await run(command.command, cwd);
    return code !== 0 ? `exit ${code}\n${tail(output)}` : checkShownOutput(command, stdout);
  };
  try {
    for (const step of docStepsOfFile(path.join(clone, file))) {
      if (step.kind === 'skipped') {
        for (const { command, line } of step.commands)
          record({ file, line, command, status: 'skipped', detail: step.reason });
        continue;
      }
      if (step.kind === 'file') {
        writeFileSync(path.join(folder(step.dir), step.name), step.content);
        continue;
      }
      const cwd = folder(step.dir);
      for (const command of step.commands) {
        const base = { file, line: command.line, command: command.command };
        const ciStep = CI_STEPS.find((step) => step.command === command.bare);
        if (ciStep) {
          record({ ...base, status: 'skipped', detail: `CI runs it as its own step (${ciStep.inCi})` });
          continue;
        }
        const started = performance.now();
        const seconds = (): number => (performance.now() - started) / 1000;
        let problem: string | undefined;
        try {
          problem = await runCommand(command, cwd);
        } catch (error) {
          // A fault of the runner itself (a bad URL, a spawn error) fails this command, not the whole run.
          problem = `runner error: ${String(error)}`;
        }
        record({
          ...base,
          seconds: seconds(),
          status: problem ? 'failed' : 'ok',
          ...(problem ? { detail: problem } : {}),
        });
      }
    }
  } finally {
    await Promise.all(servers.map(stopGroup));
    for (const dir of made) if (!dir.startsWith(clone + path.sep)) rmSync(dir, { recursive: true, force: true });
    git(['clean', '-ffdxq', '-e', '/node_modules'], clone);
    git(['checkout', '--quiet', '--', '.'], clone);
  }
}

const outcomes: Outcome[] = [];
try {
  // Without the README (whose first command installs), install as its first command would.
  if (!documents().includes('README.md')) await run('npm install --no-audit --no-fund', clone);
  for (const file of documents()) await runDocument(file, outcomes);
} finally {
  if (keep) console.log(`clone kept in ${clone}`);
  else rmSync(workspace, { recursive: true, force: true });
}

const count = (status: Outcome['status']): number => outcomes.filter((o) => o.status === status).length;
console.log(
  `doc commands: ${count('ok')} ran ok, ${count('failed')} failed, ${count('skipped')} not run (reason given)`,
);
mkdirSync(path.join(ROOT, 'test-results'), { recursive: true });
writeFileSync(path.join(ROOT, 'test-results', 'doc-commands.json'), `${JSON.stringify(outcomes, null, 2)}\n`);
process.exitCode = count('failed') > 0 ? 1 : 0;
