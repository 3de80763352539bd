"""Measure the feed extractor against labelled corpora.

    python bench/eval_extract.py [--corpus DIR ...] [--show-errors] [--rules-at COMMIT]
                                 [--throughput] [--json]

For each corpus (by default both development sets in tests/feeds): precision
and recall of "is an event", accuracy of kind, jurisdiction set and effective
date (exact string, so precision counts) over labelled events, and the
duplicate-linking rate over the whole corpus in publication order, as the
corpus README defines them; then the same figures feed by feed.

`--rules-at COMMIT` is the cross-check: the same corpora scored, in the same
run, by the extractor as it was at COMMIT (its `src/` taken from git into a
temporary directory and run in a subprocess), beside today's.

`--throughput` measures items a second through `extract_source` (fetching a
file, feedparser, extraction) beside feedparser alone on the same bytes (the
ceiling), and the gazetteer's build time beside its budget of 0.5 s.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from timeline.feeds.extract import ItemExtraction, extract_source, link_duplicates

REPO = Path(__file__).resolve().parent.parent
# The development sets as copied into the repository; --corpus for others
# (e.g. ../shared/corpus/feeds, or a held-out set).
DEFAULT_CORPUS = REPO / "tests" / "feeds" / "corpus"
DEFAULT_CORPORA = [DEFAULT_CORPUS, REPO / "tests" / "feeds" / "corpus-more"]
FIGURES = [
    ("event_precision", "is_event precision"),
    ("event_recall", "is_event recall"),
    ("kind_accuracy", "kind accuracy"),
    ("jurisdiction_accuracy", "jurisdiction acc."),
    ("effective_accuracy", "effective date acc."),
]


@dataclass
class Figures:
    items: int = 0
    events: int = 0
    event_precision: float = 0.0
    event_recall: float = 0.0
    kind_accuracy: float = 0.0
    jurisdiction_accuracy: float = 0.0
    effective_accuracy: float = 0.0
    duplicates: int = 0
    duplicate_link_rate: float = 0.0
    false_links: int = 0
    errors: list[str] = field(default_factory=list)
    feeds: dict[str, Figures] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        plain = {k: v for k, v in self.__dict__.items() if k not in {"errors", "feeds"}}
        return plain | {"feeds": {name: f.as_dict() for name, f in self.feeds.items()}}


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 0.0


def _extract_corpus(corpus: Path, feeds: list[str]) -> dict[tuple[str, str], ItemExtraction]:
    extracted: dict[tuple[str, str], ItemExtraction] = {}
    for feed in feeds:
        items, _warning = extract_source(str(corpus / feed))
        for item in items:
            extracted[(feed, item.guid)] = item
    return extracted


def _score_items(
    labels: list[dict[str, Any]], extracted: dict[tuple[str, str], ItemExtraction], figures: Figures
) -> None:
    true_pos = false_pos = false_neg = 0
    right = {"kind": 0, "jurisdictions": 0, "effective": 0}
    for label in labels:
        key = (label["feed"], label["guid"])
        item = extracted.get(key)
        if item is None:
            figures.errors.append(f"missing item {key}")
            false_neg += label["is_event"]
            continue
        if label["is_event"] and item.is_event:
            true_pos += 1
        elif item.is_event:
            false_pos += 1
            figures.errors.append(f"false event {key}: {item.kind} {item.evidence}")
        elif label["is_event"]:
            false_neg += 1
            figures.errors.append(f"missed event {key}: {item.evidence}")
        if not label["is_event"]:
            continue
        figures.events += 1
        got = {"kind": item.kind, "jurisdictions": list(item.jurisdictions)}
        got["effective"] = item.effective
        for name, value in got.items():
            if value == label[name]:
                right[name] += 1
            else:
                figures.errors.append(
                    f"{name} {key}: got {value!r}, want {label[name]!r} ({item.evidence})"
                )
    figures.event_precision = _ratio(true_pos, true_pos + false_pos)
    figures.event_recall = _ratio(true_pos, true_pos + false_neg)
    figures.kind_accuracy = _ratio(right["kind"], figures.events)
    figures.jurisdiction_accuracy = _ratio(right["jurisdictions"], figures.events)
    figures.effective_accuracy = _ratio(right["effective"], figures.events)


def _score_duplicates(
    labels: list[dict[str, Any]], extracted: dict[tuple[str, str], ItemExtraction], figures: Figures
) -> None:
    """Over the whole corpus at once: link_duplicates orders by publication itself."""
    keys = [(lb["feed"], lb["guid"]) for lb in labels if (lb["feed"], lb["guid"]) in extracted]
    links = link_duplicates([extracted[key] for key in keys])
    wanted = {
        (lb["feed"], lb["guid"]): (lb["duplicate_of"]["feed"], lb["duplicate_of"]["guid"])
        for lb in labels
        if lb["duplicate_of"]
    }
    linked_right = 0
    for key, link in zip(keys, links, strict=True):
        got = keys[link] if link is not None else None
        if key in wanted:
            linked_right += got == wanted[key]
            if got != wanted[key]:
                figures.errors.append(f"duplicate {key}: linked to {got}, want {wanted[key]}")
        elif got is not None:
            figures.false_links += 1
            figures.errors.append(f"false duplicate link {key} -> {got}")
    figures.duplicates = len(wanted)
    figures.duplicate_link_rate = _ratio(linked_right, len(wanted))


def evaluate(corpus: Path) -> Figures:
    labels: list[dict[str, Any]] = json.loads((corpus / "labels.json").read_text())
    extracted = _extract_corpus(corpus, sorted({label["feed"] for label in labels}))
    figures = Figures(items=len(labels))
    _score_items(labels, extracted, figures)
    _score_duplicates(labels, extracted, figures)
    for feed in sorted({label["feed"] for label in labels}):
        own = [label for label in labels if label["feed"] == feed]
        figures.feeds[feed] = Figures(items=len(own))
        _score_items(own, extracted, figures.feeds[feed])
    return figures


def _figures_at(commit: str, corpus: Path) -> dict[str, Any]:
    """The figures of the extractor as it was at `commit`, scored by this script."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", commit, "src"],
        check=True,
        capture_output=True,
    ).stdout
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        env = os.environ | {"PYTHONPATH": str(Path(tmp) / "src")}
        result = subprocess.run(
            [sys.executable, __file__, "--corpus", str(corpus), "--json"],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        )
    return json.loads(result.stdout)[0]


def _throughput(corpora: list[Path], rounds: int = 5) -> None:
    import feedparser

    # In a fresh process, as the CLI and the daemon build it: pycountry's and
    # babel's data are loaded on first use, so this process has them already.
    probe = (
        "import time; from timeline.feeds.extract import places; "
        "t = time.perf_counter(); places.gazetteer(); print(time.perf_counter() - t)"
    )
    built = float(
        subprocess.run(
            [sys.executable, "-c", probe], check=True, capture_output=True, text=True
        ).stdout
    )
    sources = [
        path
        for corpus in corpora
        for path in sorted(corpus.iterdir())
        if path.suffix in {".xml", ".atom", ".rdf"}
    ]
    items = 0
    started = time.perf_counter()
    for _ in range(rounds):
        for path in sources:
            items += len(extract_source(str(path))[0])
    ours = items / (time.perf_counter() - started)
    blobs = [path.read_bytes() for path in sources]
    parsed = 0
    started = time.perf_counter()
    for _ in range(rounds):
        for blob in blobs:
            parsed += len(feedparser.parse(blob).entries)
    ceiling = parsed / (time.perf_counter() - started)
    print(f"gazetteer built in    {built:.3f} s   (budget 0.500 s)")
    print(f"extract_source        {ours:7.0f} items/s  (goal >= 300; {1000 / ours:.2f} ms an item)")
    print(f"feedparser alone      {ceiling:7.0f} items/s  (ceiling: parsing the same bytes)")


def _print(corpus: Path, figures: Figures, show_errors: bool) -> None:
    print(f"corpus: {corpus}")
    print(f"items: {figures.items}  labelled events: {figures.events}")
    for name, label in FIGURES:
        print(f"{label:<21}{getattr(figures, name):.3f}")
    print(
        f"duplicate links      {figures.duplicate_link_rate:.3f} of {figures.duplicates}, "
        f"false links {figures.false_links}"
    )
    print(f"  {'feed':<34} items events    P     R  kind  juris  date")
    for feed, own in figures.feeds.items():
        values = "  ".join(f"{getattr(own, name):.2f}" for name, _ in FIGURES)
        print(f"  {feed:<34} {own.items:5} {own.events:6}  {values}")
    if show_errors:
        for error in figures.errors:
            print("  -", error)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, action="append")
    parser.add_argument("--show-errors", action="store_true")
    parser.add_argument("--rules-at", metavar="COMMIT")
    parser.add_argument("--throughput", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    corpora = [c.resolve() for c in args.corpus or DEFAULT_CORPORA]
    results = [evaluate(corpus) for corpus in corpora]
    if args.json:
        print(json.dumps([f.as_dict() for f in results]))
        return 0
    for corpus, figures in zip(corpora, results, strict=True):
        _print(corpus, figures, args.show_errors)
    if args.rules_at:
        print(f"cross-check: the extractor at {args.rules_at} beside today's, same corpora")
        for corpus, figures in zip(corpora, results, strict=True):
            then = _figures_at(args.rules_at, corpus)
            print(f"  {corpus.name}")
            for name, label in FIGURES:
                print(f"    {label:<21}{then[name]:.3f} -> {getattr(figures, name):.3f}")
    if args.throughput:
        _throughput(corpora)
    return 0


if __name__ == "__main__":
    sys.exit(main())
