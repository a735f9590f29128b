"""The search benchmark for `manage.py bench`: 100,000 synthetic documents in a temporary tantivy
index, then a typo'd query with a category filter, a PIN code (deliverability) and delivery
dates for the page, as p50 / p99 next to a trivial Django view measured in the same run.

    from search.bench import bench_search
    figures += bench_search(n_items=100_000)

It needs the logistics data of the bench database (warehouses, PIN codes, routes: the world
tests/shop_world.py builds): documents are stocked at the real active warehouses, so the
deliverability filter and the delivery dates go through logistics exactly as in production.
Documents are synthetic (no catalog rows): the engine and the page composition are measured,
not the catalog.
"""

from __future__ import annotations

import random
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace

from logistics.interface import warehouse_ids_active
from search.backends.tantivy import TantivyBackend
from search.selectors import engine_query, memos_forget, reachable_estimates, search_run
from search.types import SearchDoc, SearchParams
from shop import bench

BRANDS = ["Samsung", "Apple", "Redmi", "Lenovo", "Dell", "Boat", "Sony", "Prestige", "Raymond", "Titan",
          "Bata", "Philips", "Havells", "Nike", "Puma", "Milton", "Usha", "Bajaj", "Godrej", "Wildcraft"]
NOUNS = ["phone", "laptop", "shirt", "kettle", "speaker", "watch", "shoes", "camera", "tablet", "charger",
         "headphones", "bottle", "mixer", "blender", "saree", "kurta", "jeans", "lamp", "chair", "table",
         "backpack", "jacket", "sandals", "trimmer", "fan", "cooker", "pillow", "mattress", "curtain", "toaster"]
ADJECTIVES = ["red", "blue", "black", "wireless", "smart", "steel", "cotton", "premium", "portable", "classic",
              "slim", "compact", "waterproof", "leather", "wooden", "ergonomic", "foldable", "digital", "silk",
              "organic"]
COLOURS = ["Black", "Blue", "Red", "White", "Green", "Grey"]
# Typo'd words (one or two edits) a customer might type; each benchmark query uses one of them.
QUERIES = ["speakr", "hedphones", "kettel", "laptpo", "sheos", "camrea", "tablte", "chargr", "blendr", "jaens",
           "backpak", "jackte", "trimer", "cookr", "matress", "curtian", "toastr", "samsnug", "wirless", "portabel"]
ROOTS = 12  # synthetic categories: 12 roots with 4 children each


def synthetic_docs(n: int, warehouse_ids: list[int], *, seed: int = 7) -> list[SearchDoc]:
    rng = random.Random(seed)
    vocabulary = [f"{a}{b}" for a in ("ka", "ri", "so", "mu", "te", "la", "vi", "no") for b in
                  ("pal", "dor", "nik", "sar", "vat", "mon", "jit", "ran", "lek", "bud")]
    stocked = warehouse_ids + [10_000_000 + i for i in range(4)]  # some stock sits where no courier goes
    created = 1_700_000_000
    docs = []
    for item_id in range(1, n + 1):
        root = 1_000_000 + item_id % ROOTS
        leaf = root * 10 + item_id % 4
        brand = rng.choice(BRANDS)
        noun = NOUNS[(item_id // ROOTS) % len(NOUNS)]
        title = f"{brand} {rng.choice(ADJECTIVES)} {noun} {rng.choice(vocabulary)} {item_id % 500}"
        description = " ".join(rng.choice(vocabulary + ADJECTIVES) for _ in range(14))
        docs.append(SearchDoc(
            item_id=item_id, stamp=1, title=title, brand=brand, description=description,
            category_id=leaf, category_ids=(root, leaf), category_path=f"c{root}/c{leaf}",
            category_names=(f"Department {root % 100}", f"Aisle {leaf % 1000}"),
            price_paise=rng.randint(99, 99_999) * 100, rating=f"{rng.randint(0, 4)}.{rng.randint(0, 9)}",
            rating_count=rng.randint(0, 5000), created_ts=created + rng.randint(0, 400 * 86_400),
            image=f"https://img.example/{item_id}.jpg",
            facets=(f"colour={rng.choice(COLOURS)}", f"size={rng.choice('SMLX')}"),
            warehouse_ids=tuple(sorted(rng.sample(stocked, rng.choice([0, 1, 1, 2, 3])))),
        ))
    return docs


def _latencies(fn: Callable[[int], object], samples: int) -> list[float]:
    return bench.latencies_us(fn, samples, warmup=min(200, samples))


def bench_search(n_items: int = 100_000, *, samples: int = 2000, pin_code: str = "560001",
                 floor_us: float | None = None, trivial_view: Callable[[int], list[float]] | None = None
                 ) -> list[bench.Figure]:
    """Index `n_items` synthetic documents into a temporary tantivy index, then time the search.

    Figures (each with the trivial view's p50 as its floor, unless `floor_us` is given):
    the whole result page as search.selectors.search_run composes it (engine + facets + PIN
    route map + delivery dates + labels), p50 and p99; the engine's query alone, with and
    without facet counts; and the indexing time against the issue's trial (0.7 s for 100,000).
    """
    warehouses = warehouse_ids_active()
    memos_forget()
    estimates = reachable_estimates(pin_code)
    if not warehouses or not estimates:
        raise RuntimeError(f"bench_search needs warehouses that reach {pin_code}: run it on the bench "
                           "database after tests.shop_world.build_world (as `manage.py bench` does).")
    root = tempfile.mkdtemp(prefix="bazaar-search-bench-")
    try:
        backend = TantivyBackend(path=root, writer_heap_bytes=400_000_000, writer_threads=2)
        docs = synthetic_docs(n_items, warehouses)
        started = time.perf_counter()
        generation = backend.rebuild_start()
        backend.rebuild_write(generation, docs)
        backend.rebuild_finish(generation)
        index_seconds = time.perf_counter() - started
        del docs

        def params(i: int) -> SearchParams:
            return SearchParams(q=QUERIES[i % len(QUERIES)], category_id=1_000_000 + i % ROOTS, per_page=24)

        queries = [engine_query(params(i), estimates=estimates) for i in range(len(QUERIES))]
        bare = [replace(q, facets=False) for q in queries]
        page = _latencies(lambda i: search_run(params(i), pin=pin_code, backend=backend), samples)
        engine = _latencies(lambda i: backend.query(queries[i % len(queries)]), samples)
        engine_bare = _latencies(lambda i: backend.query(bare[i % len(bare)]), samples)
        found = [search_run(params(i), pin=pin_code, backend=backend) for i in range(len(QUERIES))]
        backend.clear()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    if not all(p.total and all(c.delivery for c in p.results) for p in found):
        raise RuntimeError("bench_search: a benchmark query found nothing or a result had no delivery date")

    floor_name = "trivial view p50"
    if floor_us is None:
        floor_us = bench.p50((trivial_view or bench.trivial_view_floor)(samples))
    label = f"search, {n_items:,} items, typo + category + PIN + dates"
    return [
        bench.Figure(f"{label}: page (p50)", bench.p50(page), "µs", floor_name, floor_us),
        bench.Figure(f"{label}: page (p99)", bench.p99(page), "µs", floor_name, floor_us),
        bench.Figure(f"{label}: engine with facets (p50)", bench.p50(engine), "µs", floor_name, floor_us),
        bench.Figure(f"{label}: engine, no facets (p50)", bench.p50(engine_bare), "µs", floor_name, floor_us),
        bench.Figure(f"search: index {n_items:,} documents", index_seconds, "s", "issue's trial (0.7 s)", 0.7),
    ]
