/**
 * `--verify`: scores fixed Korean and English pairs with the float64 reference forward pass on the
 * checkpoint's own weights, and with each written ONNX file on onnxruntime-node, and checks each file
 * against its bound. Node only (onnxruntime-node, files on disk).
 */
import path from 'node:path';
import { AutoTokenizer } from '@huggingface/transformers';
import { ONNX_FILE_FOR_DTYPE } from '../engine/model-files.js';
import { PairEncoder } from '../engine/pair-encoder.js';
import type { Dtype } from '../engine/types.js';
import { type WeightMap, maxSequenceLength } from '../model-builder/config.js';
import { expectedWeights } from '../model-builder/weight-names.js';
import { kendallTau, maxAbsDiff, normalisedError } from '../reference/compare.js';
import { referenceLogits } from '../reference/forward.js';
import { padRows } from '../reference/pad-rows.js';
import type { SourceFolder } from './byte-source.js';
import { openCheckpoint } from './checkpoint.js';
import { ortLogits } from './onnx-logits.js';

/**
 * Fixed pairs: 2 queries x 8 passages, Korean first, some English, 10 to 60 tokens each. Short on purpose:
 * the float64 reference of a 24-layer model costs about a second per token on one core.
 */
export const VERIFY_QUERIES = [
  '한국은행의 기준금리 결정 절차는 어떻게 되나요?',
  'how does the central bank set the interest rate',
];
export const VERIFY_PASSAGES = [
  '한국은행 금융통화위원회는 물가와 경기 상황을 고려하여 기준금리를 결정합니다.',
  '서울의 오늘 날씨는 맑고 기온은 영상 5도입니다.',
  '시중은행과 지방은행, 인터넷은행은 인가 요건과 절차에 차이가 있습니다.',
  '환자는 병원에서 진단을 받은 뒤 치료 계획을 세웁니다.',
  '금리 결정은 연 8회 열리는 회의에서 이루어지며, 위원들은 물가 전망과 성장률을 함께 검토합니다.',
  'The central bank sets the policy interest rate after looking at inflation and growth.',
  'Search results are often ordered badly, and the order decides what a model reads.',
  'A court may decide a contract is void if one party was misled.',
];

/**
 * Bounds, as the fidelity tests justify them: fp32 1e-4; fp16 5e-3 (about 10 half-precision units on
 * unit-scale logits); 8-bit by ranking, Kendall tau >= 0.85 and rms error / spread <= 0.25.
 */
export const VERIFY_BOUNDS = { fp32: 1e-4, fp16: 5e-3, q8Tau: 0.85, q8Error: 0.25 } as const;

export interface VerifyResult {
  dtype: Dtype;
  file: string;
  pairs: number;
  maxAbsDiff: number;
  /** 8-bit only. */
  kendallTau?: number;
  normalisedError?: number;
  passed: boolean;
  bound: string;
}

export async function verifyConversion(source: SourceFolder, outDir: string, dtypes: Dtype[]): Promise<VerifyResult[]> {
  const checkpoint = await openCheckpoint(source);
  const weights: WeightMap = new Map();
  try {
    for (const [name, shape] of expectedWeights(checkpoint.shape))
      weights.set(name, { shape, data: await checkpoint.weights.read(name) });
  } finally {
    await checkpoint.close();
  }
  const encoder = new PairEncoder(
    await AutoTokenizer.from_pretrained(path.resolve(outDir), { local_files_only: true }),
  );
  const maxLength = Math.min(512, maxSequenceLength(checkpoint.shape));
  const rows = VERIFY_QUERIES.flatMap((q) =>
    VERIFY_PASSAGES.map((p) => encoder.encode(encoder.tokenize(q), encoder.tokenize(p), maxLength, null)[0]!),
  );
  const batch = padRows(rows, encoder.padTokenId);
  // Row by row, unpadded: the same logits (padding is masked) for a fraction of the float64 work.
  const reference = rows.map(
    (row) => referenceLogits(checkpoint.shape, weights, padRows([row], encoder.padTokenId))[0]!,
  );
  weights.clear();

  const results: VerifyResult[] = [];
  for (const dtype of dtypes) {
    const file = ONNX_FILE_FOR_DTYPE[dtype];
    const logits = await ortLogits(path.join(outDir, file), batch);
    const diff = maxAbsDiff(logits, reference);
    if (dtype === 'q8') {
      const tau = kendallTau(reference, logits);
      const error = normalisedError(reference, logits);
      const passed = tau >= VERIFY_BOUNDS.q8Tau && error <= VERIFY_BOUNDS.q8Error;
      results.push({
        dtype,
        file,
        pairs: rows.length,
        maxAbsDiff: diff,
        kendallTau: tau,
        normalisedError: error,
        passed,
        bound: `tau >= ${VERIFY_BOUNDS.q8Tau}, error <= ${VERIFY_BOUNDS.q8Error}`,
      });
    } else {
      const bound = VERIFY_BOUNDS[dtype];
      results.push({
        dtype,
        file,
        pairs: rows.length,
        maxAbsDiff: diff,
        passed: diff < bound,
        bound: `max abs diff < ${bound}`,
      });
    }
  }
  return results;
}
