/** The order a drop-in list must show for the reranker's scores: best `topK` first (ties in page order), the rest in page order. */
export function expectedOrder(ids: string[], scores: number[], topK: number): string[] {
  const best = ids
    .map((id, i) => ({ id, i, score: scores[i]! }))
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .slice(0, topK)
    .map((x) => x.id);
  return [...best, ...ids.filter((id) => !best.includes(id))];
}
