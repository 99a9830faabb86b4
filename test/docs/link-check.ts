// Finds relative links in Markdown files that do not resolve, as GitHub would render them: the target file
// must exist, and a `#anchor` into a Markdown file must name one of its headings (GitHub's slug rule).
// Parsing is marked's and slugging github-slugger's: code spans, fences, tables and reference links are
// exactly the cases a hand-written regex gets wrong.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import GithubSlugger from 'github-slugger';
import { marked, type Token } from 'marked';

export interface BrokenLink {
  /** The Markdown file holding the link, as given to checkLinks. */
  file: string;
  /** The link target as written. */
  target: string;
  reason: string;
}

/** Links with a scheme (https:, mailto:) leave the repository; they are not checked here. */
const EXTERNAL = /^[a-z][a-z0-9+.-]*:/i;

/** Calls `visit` on every token of a file, nested ones (tables, lists, emphasis) included. */
function walk(file: string, visit: (token: Token) => void): void {
  // walkTokens returns the callbacks' results for async extensions; ours are synchronous, nothing to await.
  void marked.walkTokens(marked.lexer(readFileSync(file, 'utf8')), visit);
}

/** A heading's text as GitHub renders it: backticks, emphasis and link syntax gone, HTML dropped. */
function inlineText(token: Token): string {
  if ('tokens' in token && token.tokens?.length) return token.tokens.map(inlineText).join('');
  if (token.type === 'codespan' || token.type === 'escape' || token.type === 'text') return String(token.text);
  return '';
}

/** The anchors GitHub gives a file's headings, in order, repeated ones suffixed -1, -2, ... */
export function headingAnchors(file: string): Set<string> {
  const slugger = new GithubSlugger();
  const anchors = new Set<string>();
  walk(file, (token) => {
    if (token.type === 'heading') anchors.add(slugger.slug(inlineText(token)));
  });
  return anchors;
}

/** Every link and image target in a file, reference-style ones included, code left out. */
export function linkTargets(file: string): string[] {
  const targets: string[] = [];
  walk(file, (token) => {
    if (token.type === 'link' || token.type === 'image') targets.push(token.href);
  });
  return targets;
}

function check(file: string, target: string, root: string, anchorsCache: Map<string, Set<string>>): string | null {
  const hash = target.indexOf('#');
  const pathPart = decodeURIComponent(hash < 0 ? target : target.slice(0, hash));
  const anchor = hash < 0 ? null : decodeURIComponent(target.slice(hash + 1));
  // GitHub resolves /x against the repository root and x against the linking file's folder.
  const resolved = pathPart ? path.join(pathPart.startsWith('/') ? root : path.dirname(file), pathPart) : file;
  if (!existsSync(resolved)) return `${path.relative(root, resolved)} does not exist`;
  if (anchor === null || !resolved.endsWith('.md') || statSync(resolved).isDirectory()) return null;
  let anchors = anchorsCache.get(resolved);
  if (!anchors) {
    anchors = headingAnchors(resolved);
    anchorsCache.set(resolved, anchors);
  }
  return anchors.has(anchor) ? null : `no heading in ${path.relative(root, resolved)} has the anchor #${anchor}`;
}

/** The relative links of `files` that do not resolve; `root` is the repository root (for /-links and messages). */
export function checkLinks(files: string[], root: string): BrokenLink[] {
  const anchorsCache = new Map<string, Set<string>>();
  const broken: BrokenLink[] = [];
  for (const file of files) {
    for (const target of linkTargets(file)) {
      if (EXTERNAL.test(target)) continue;
      const reason = check(file, target, root, anchorsCache);
      if (reason) broken.push({ file, target, reason });
    }
  }
  return broken;
}
