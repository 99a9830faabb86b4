// Ranks Korean passages with a generated model (random weights: the order shows the mechanics only).
// Build the model first:  npm run model -- --preset tiny-xlmr --out models/tiny-xlmr
import { Reranker } from '../src/engine/index.js';

const reranker = await Reranker.load({ model: 'models/tiny-xlmr', dtype: 'q8' });
const results = await reranker.rank(
  '한국은행은 기준금리를 어떻게 결정하나요?',
  ['금융통화위원회가 물가와 경기를 보고 기준금리를 정합니다.', '오늘 서울은 맑습니다.', '은행 인가 요건과 절차'],
  { topK: 2, returnDocuments: true },
);
console.log(results); // [{ index, score, document }, ...] best first
await reranker.dispose();
