"""Which embedder and which retrieval: recall@5 and MRR on the labelled query set.

    uv run python benchmarks/knowledge_quality.py

Ingests the starter notes into a throwaway SQLite database with each bundled embedder, then
answers every query in `benchmarks/data/knowledge_queries.json` (≥ 40, written against the
notes: paraphrases that avoid the notes' words, keywords, tickers) by keyword search alone,
vectors alone and both fused (reciprocal rank fusion), and prints recall@5 and MRR per query
kind, with the time to embed a passage (shipped vectors are not used here). The keyword-only
row is the baseline every other row is compared with, in the same run."""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from alex.core.config import Settings
from alex.db.migrate import upgrade
from alex.db.session import make_engine
from alex.knowledge.evaluation import LabelledQuery, Quality, evaluate, load_queries
from alex.knowledge.factory import BUNDLED_EMBEDDERS, knowledge_base
from alex.knowledge.seed import STARTER_DIR
from alex.knowledge.service import KnowledgeBase, Mode

QUERIES = Path(__file__).parent / "data" / "knowledge_queries.json"


def rows_for(
    kb: KnowledgeBase, slug_of: dict[str, str], queries: list[LabelledQuery], k: int, mode: Mode
) -> tuple[Quality, dict[str, Quality]]:
    def ranked(query: str) -> list[str]:
        return [slug_of[p.document_id] for p in kb.search(query, 10, mode=mode)]

    by_kind: dict[str, list[LabelledQuery]] = defaultdict(list)
    for query in queries:
        by_kind[query.kind].append(query)
    overall = evaluate(queries, ranked, k=k)
    return overall, {kind: evaluate(items, ranked, k=k) for kind, items in by_kind.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--embedders", nargs="*", default=list(BUNDLED_EMBEDDERS))
    args = parser.parse_args()
    queries = load_queries(QUERIES)
    kinds = sorted({q.kind for q in queries})
    counts = ", ".join(f"{k}: {sum(q.kind == k for q in queries)}" for k in kinds)
    print(f"{len(queries)} queries ({counts}); recall@{args.k} / MRR")
    header = "  ".join(f"{kind:>16}" for kind in kinds)
    print(f"{'embedder':<10} {'mode':<8} {'recall':>7} {'MRR':>6}  {header}  ms/passage")
    baseline: Quality | None = None
    for name in args.embedders:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/k.db"
            upgrade(url)
            engine = make_engine(url)
            kb = knowledge_base(Settings(var_dir=Path(tmp), embedding_model=name), engine)
            started = time.perf_counter()
            slug_of = {
                kb.ingest_file(path, origin="starter").document.id: path.stem
                for path in sorted(STARTER_DIR.glob("*.md"))
            }
            per_passage = (time.perf_counter() - started) * 1000 / kb.stats()["passages"]
            modes: list[Mode] = (
                ["vector", "hybrid"] if baseline else ["keyword", "vector", "hybrid"]
            )
            for mode in modes:
                overall, by_kind = rows_for(kb, slug_of, queries, args.k, mode)
                parts = "  ".join(
                    f"{by_kind[k].recall_at_k:>7.1%} / {by_kind[k].mrr:.3f}" for k in kinds
                )
                label, timing = (
                    ("(none)", "") if mode == "keyword" else (name, f"{per_passage:.1f}")
                )
                ratio = f"  {overall.mrr / baseline.mrr:.2f}x keyword MRR" if baseline else ""
                print(
                    f"{label:<10} {mode:<8} {overall.recall_at_k:>7.1%} {overall.mrr:>6.3f}  "
                    f"{parts}  {timing:>10}{ratio}"
                )
                if mode == "keyword":
                    baseline = overall
            engine.dispose()


if __name__ == "__main__":
    main()
