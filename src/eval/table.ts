/** Renders an EvalReport as the model card's markdown table plus a short context line. */
import type { EvalReport } from './run-eval.js';

const RANDOM_MARK = '(random weights)';

export function formatReport(report: EvalReport): string {
  const k = report.k;
  const header = `| ranker | hitRate@${k} | MRR@${k} | NDCG@10 | Recall@${k} | ms/query |`;
  const lines = [
    `${report.format} dataset: ${report.corpusSize} passages, ${report.queries} queries evaluated` +
      (report.unjudgedQueries > 0 ? ` (${report.unjudgedQueries} without relevant passages left out)` : '') +
      (report.skippedRows > 0 ? `, ${report.skippedRows} malformed rows skipped` : ''),
    '',
    header,
    '|---|---:|---:|---:|---:|---:|',
    ...report.rows.map(
      (row) =>
        `| ${row.randomWeights ? `${row.name} ${RANDOM_MARK}` : row.name} | ${f(row.hitRate)} | ${f(row.mrr)} | ${f(row.ndcg10)} | ${f(row.recall)} | ${row.msPerQuery.toFixed(1)} |`,
    ),
    '',
    report.candidateListQueries > 0
      ? `${report.candidateListQueries} queries ranked within their own candidate lists; first-stage recall over the candidates handed on: ${f(report.candidateRecall)}`
      : `First-stage Recall@${report.candidates} (the most a reranker of the top ${report.candidates} can reach): ${f(report.candidateRecall)}`,
    report.passages
      ? `Documents indexed as passages of up to ${report.passages.maxTokens} tokens (overlap ${report.passages.overlapTokens}); rerankers read each candidate's best passage.`
      : 'Documents indexed whole; rerankers read each candidate from its start.',
    `Index built in ${report.indexMs.toFixed(0)} ms.`,
    ...(report.rows.some((row) => row.randomWeights)
      ? [
          `${RANDOM_MARK}: a generated model (its config.json says generated_by): random weights, so these figures show the mechanics, not relevance.`,
        ]
      : []),
  ];
  return lines.join('\n');
}

function f(value: number): string {
  return value.toFixed(3);
}
