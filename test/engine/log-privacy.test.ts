/**
 * Nothing of the user's text reaches the logs by default (issue 10, item 12): a failed model run used
 * to print every input tensor (the token ids of query and passage) through transformers.js, and
 * onnxruntime printed the failing kernel's message, which quotes an offending token id.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { AutoTokenizer } from '@huggingface/transformers';
import { beforeAll, expect, test } from 'vitest';
import { PairEncoder } from '../../src/engine/pair-encoder.js';
import { testModel } from '../helpers/models.js';

const QUERY = '김민수 환자의 주민등록번호와 진단 내용';
const PASSAGE = '비공개 인사 기록: 박지영 부장의 연봉 협상 결과와 평가 의견';

let folder: string;
beforeAll(async () => {
  folder = await testModel('tiny-xlmr');
});

test('a failed model run throws InferenceError and writes neither the token ids nor the text to stdout or stderr', async () => {
  const fixture = path.join(import.meta.dirname, 'fixtures', 'failing-run.ts');
  const { stdout, stderr } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', fixture, folder, QUERY, PASSAGE],
    { maxBuffer: 1 << 24 },
  );
  expect(stdout.trim().split('\n').at(-1)).toBe('THROWN InferenceError INFERENCE_FAILED');

  const encoder = new PairEncoder(await AutoTokenizer.from_pretrained(folder));
  const ids = encoder.encode(encoder.tokenize(QUERY), encoder.tokenize(PASSAGE), 512, null)[0]!.inputIds;
  const output = `${stdout}\n${stderr}`;
  expect(output).not.toMatch(/Inputs given to model|input_ids|BigInt64Array/);
  expect(output).not.toContain('9999999'); // the planted id, as onnxruntime's kernel error quotes it
  // No run of three consecutive content ids (however they are printed) appears in the output.
  const numbers = (output.match(/\d+/g) ?? []).map(Number);
  const content = ids.slice(2, -1).filter((id) => id > 10);
  for (let i = 0; i + 2 < content.length; i++) {
    const [a, b, c] = content.slice(i, i + 3);
    const found = numbers.some((n, k) => n === a && numbers[k + 1] === b && numbers[k + 2] === c);
    expect(found, `ids ${a} ${b} ${c} in the output`).toBe(false);
  }
  expect(output).not.toContain('김민수');
  expect(output).not.toContain('박지영');
});
