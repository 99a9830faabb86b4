// Every relative link in README.md and docs/ must resolve, so moving or renaming a doc, a heading or a
// source file that the docs point at fails here instead of on GitHub. The checker itself is tested on a
// small fixture with known good and broken links, so a checker that accepts everything cannot pass.
import { mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkLinks, headingAnchors, linkTargets } from './link-check.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

function markdownFiles(): string[] {
  const docs = path.join(ROOT, 'docs');
  const inDocs = readdirSync(docs, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.md'))
    .map((name) => path.join(docs, name));
  return [path.join(ROOT, 'README.md'), ...inDocs];
}

describe('links in README.md and docs/', () => {
  it('all resolve to a file, and anchors to a heading', () => {
    const files = markdownFiles();
    expect(files.length).toBeGreaterThan(1);
    const broken = checkLinks(files, ROOT).map(({ file, target, reason }) => ({
      file: path.relative(ROOT, file),
      target,
      reason,
    }));
    expect(broken).toEqual([]);
  });

  it('README links every doc in docs/', () => {
    const linked = new Set(
      linkTargets(path.join(ROOT, 'README.md')).map((target) => path.normalize(target.split('#')[0]!)),
    );
    const docs = markdownFiles()
      .slice(1)
      .map((file) => path.relative(ROOT, file));
    expect(docs.filter((doc) => !linked.has(doc))).toEqual([]);
  });
});

describe('the link checker', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'link-check-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  mkdirSync(path.join(dir, 'docs'));
  mkdirSync(path.join(dir, 'src'));
  writeFileSync(path.join(dir, 'src', 'a.ts'), '');
  writeFileSync(
    path.join(dir, 'docs', 'guide.md'),
    [
      '# Guide',
      '## Use `createReranker` in a page (WASM, WebGPU)',
      '## 에지 재순위화 서비스',
      '## Notes',
      '## Notes',
      '',
      'Back to [the index](../index.md#top-heading) and [this file](#guide).',
      '',
    ].join('\n'),
  );
  writeFileSync(
    path.join(dir, 'index.md'),
    [
      '# Top heading',
      '',
      '[guide](docs/guide.md) [folder](src) [source](src/a.ts) [root-relative](/docs/guide.md)',
      '[code heading](docs/guide.md#use-createreranker-in-a-page-wasm-webgpu)',
      '[Korean heading](docs/guide.md#에지-재순위화-서비스) [escaped](docs/guide.md#%EC%97%90%EC%A7%80-%EC%9E%AC%EC%88%9C%EC%9C%84%ED%99%94-%EC%84%9C%EB%B9%84%EC%8A%A4)',
      '[second Notes](docs/guide.md#notes-1) [here](#top-heading) [web](https://example.com/missing.md)',
      '',
      '| table | cell |',
      '| ----- | ---- |',
      '| [in a table](docs/missing-in-table.md) | x |',
      '',
      '[missing file](docs/nothing.md) [missing anchor](docs/guide.md#notes-2) [missing here](#nowhere)',
      '[by reference][ref] ![image](img/none.png) `[in code](docs/ignored.md)`',
      '',
      '```md',
      '[in a fence](docs/ignored.md)',
      '```',
      '',
      '[ref]: docs/guide.md#no-such-heading',
      '',
    ].join('\n'),
  );

  it('gives headings GitHub anchors: markup dropped, punctuation removed, Hangul kept, repeats numbered', () => {
    expect([...headingAnchors(path.join(dir, 'docs', 'guide.md'))]).toEqual([
      'guide',
      'use-createreranker-in-a-page-wasm-webgpu',
      '에지-재순위화-서비스',
      'notes',
      'notes-1',
    ]);
  });

  it('reports exactly the broken links, including tables and reference links, and skips code and URLs', () => {
    const broken = checkLinks([path.join(dir, 'index.md'), path.join(dir, 'docs', 'guide.md')], dir);
    expect(broken.map(({ target, reason }) => [target, reason])).toEqual([
      ['docs/missing-in-table.md', `${path.join('docs', 'missing-in-table.md')} does not exist`],
      ['docs/nothing.md', `${path.join('docs', 'nothing.md')} does not exist`],
      ['docs/guide.md#notes-2', `no heading in ${path.join('docs', 'guide.md')} has the anchor #notes-2`],
      ['#nowhere', 'no heading in index.md has the anchor #nowhere'],
      [
        'docs/guide.md#no-such-heading',
        `no heading in ${path.join('docs', 'guide.md')} has the anchor #no-such-heading`,
      ],
      ['img/none.png', `${path.join('img', 'none.png')} does not exist`],
    ]);
  });
});
