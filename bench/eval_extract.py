"""Measure the feed extractor against the labelled development corpus.

    python bench/eval_extract.py [--corpus DIR] [--show-errors]

Prints precision and recall of "is an event", accuracy of kind, jurisdiction
set and effective date (exact string, so precision counts) over labelled
events, and the duplicate-linking rate over the whole corpus in publication
order, as the corpus README defines them.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from timeline.feeds.extract import ItemExtraction, extract_source, link_duplicates

# The development set as copied into the repository; --corpus for another
# (e.g. ../shared/corpus/feeds, or a held-out set).
DEFAULT_CORPUS = Path(__file__).resolve().parent.parent / "tests" / "feeds" / "corpus"


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

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "errors"}


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
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--show-errors", action="store_true")
    args = parser.parse_args(argv)
    figures = evaluate(args.corpus.resolve())
    print(f"corpus: {args.corpus.resolve()}")
    print(f"items: {figures.items}  labelled events: {figures.events}")
    print(f"is_event precision   {figures.event_precision:.3f}")
    print(f"is_event recall      {figures.event_recall:.3f}")
    print(f"kind accuracy        {figures.kind_accuracy:.3f}")
    print(f"jurisdiction acc.    {figures.jurisdiction_accuracy:.3f}")
    print(f"effective date acc.  {figures.effective_accuracy:.3f}")
    print(
        f"duplicate links      {figures.duplicate_link_rate:.3f} of {figures.duplicates}, "
        f"false links {figures.false_links}"
    )
    if args.show_errors:
        for error in figures.errors:
            print("  -", error)
    return 0


if __name__ == "__main__":
    sys.exit(main())
