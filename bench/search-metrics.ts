/**
 * Retrieval metrics of the datasets' README (shared/datasets/README.md), computed per query and averaged:
 * recall@k (share of expected items in the top k; an item counts when it or any alternative is there),
 * hit@k (at least one), all@k (all), MRR (1/rank of the first found item), srv_recall@k (the same recall
 * over servers, servers ranked by their best-ranked tool).
 */
import type { LabelledQuery } from '../src/toolsearch/catalog-file.ts';

export interface Ranked {
  server: string;
  tool: string;
}

export const KS = [1, 5, 10] as const;

export interface Metrics {
  n: number;
  recall: Record<number, number>;
  hit: Record<number, number>;
  all: Record<number, number>;
  mrr: number;
  srvRecall: Record<number, number>;
}

export function emptyAccumulator() {
  return { n: 0, recall: { 1: 0, 5: 0, 10: 0 }, hit: { 1: 0, 5: 0, 10: 0 }, all: { 1: 0, 5: 0, 10: 0 }, mrr: 0, srvRecall: { 1: 0, 5: 0, 10: 0 } } as Metrics;
}

export function scoreQuery(acc: Metrics, query: LabelledQuery, ranked: Ranked[]): void {
  const rankOf = new Map<string, number>();
  ranked.forEach((r, i) => {
    const k = `${r.server}\u0000${r.tool}`;
    if (!rankOf.has(k)) rankOf.set(k, i + 1);
  });
  const itemRanks = query.expected.map((e) => {
    let best = Infinity;
    for (const alt of [e, ...(e.alternatives ?? [])]) best = Math.min(best, rankOf.get(`${alt.server}\u0000${alt.tool}`) ?? Infinity);
    return best;
  });
  const servers: string[] = [];
  for (const r of ranked) if (!servers.includes(r.server)) servers.push(r.server);
  const expectedServers = [...new Set(query.expected.map((e) => e.server))];
  const serverRanks = expectedServers.map((s) => {
    const alts = new Set([s, ...query.expected.filter((e) => e.server === s).flatMap((e) => (e.alternatives ?? []).map((a) => a.server))]);
    let best = Infinity;
    for (const a of alts) {
      const i = servers.indexOf(a);
      if (i >= 0) best = Math.min(best, i + 1);
    }
    return best;
  });
  acc.n++;
  for (const k of KS) {
    const found = itemRanks.filter((r) => r <= k).length;
    acc.recall[k]! += found / itemRanks.length;
    acc.hit[k]! += found > 0 ? 1 : 0;
    acc.all[k]! += found === itemRanks.length ? 1 : 0;
    acc.srvRecall[k]! += serverRanks.filter((r) => r <= k).length / serverRanks.length;
  }
  const first = Math.min(...itemRanks);
  acc.mrr += Number.isFinite(first) ? 1 / first : 0;
}

export function finish(acc: Metrics) {
  const r = (x: number) => Math.round((x / Math.max(acc.n, 1)) * 1000) / 1000;
  return {
    n: acc.n,
    recall_at_1: r(acc.recall[1]!),
    recall_at_5: r(acc.recall[5]!),
    recall_at_10: r(acc.recall[10]!),
    hit_at_1: r(acc.hit[1]!),
    hit_at_5: r(acc.hit[5]!),
    hit_at_10: r(acc.hit[10]!),
    all_at_10: r(acc.all[10]!),
    mrr: r(acc.mrr),
    srv_recall_at_1: r(acc.srvRecall[1]!),
    srv_recall_at_5: r(acc.srvRecall[5]!),
    srv_recall_at_10: r(acc.srvRecall[10]!),
  };
}
