"""Pairwise (strength 2) covering arrays, a deterministic greedy construction, and capped seeded samples of products."""
from __future__ import annotations

import itertools
import random
from typing import Any, Iterable


def pairwise_rows(sizes: tuple[int, ...]) -> list[tuple[int, ...]]:
    """A covering array of strength 2 (value indices): every pair of values of every two parameters appears in a
    row. Greedy and deterministic."""
    n = len(sizes)
    if n == 0:
        return [()]
    if n == 1:
        return [(v,) for v in range(sizes[0])]
    uncovered = {(i, a, j, b) for i in range(n) for j in range(i + 1, n) for a in range(sizes[i]) for b in range(sizes[j])}
    rows: list[tuple[int, ...]] = []
    while uncovered:
        i, a, j, b = min(uncovered)
        row: list[int | None] = [None] * n
        row[i], row[j] = a, b
        for k in range(n):
            if row[k] is not None:
                continue
            best, best_gain = 0, -1
            for v in range(sizes[k]):
                gain = sum(1 for m in range(n) if row[m] is not None and
                           ((m, row[m], k, v) if m < k else (k, v, m, row[m])) in uncovered)
                if gain > best_gain:
                    best, best_gain = v, gain
            row[k] = best
        full = tuple(row)  # type: ignore[arg-type]
        for p in range(n):
            for q in range(p + 1, n):
                uncovered.discard((p, full[p], q, full[q]))
        rows.append(full)
    return rows


def _product_size(lists: Iterable[list[Any]]) -> int:
    n = 1
    for values in lists:
        n *= len(values)
    return n


def _product_sample(lists: list[list[Any]], cap: int, rng: random.Random) -> tuple[Iterable[tuple], bool]:
    """Every combination, or a seeded sample of `cap` of them (the flag says which)."""
    total = _product_size(lists)
    if total <= cap:
        return itertools.product(*lists), False
    picks = sorted(rng.sample(range(total), cap))

    def decode(k: int) -> tuple:
        out = []
        for values in reversed(lists):
            k, r = divmod(k, len(values))
            out.append(values[r])
        return tuple(reversed(out))

    return (decode(k) for k in picks), True
