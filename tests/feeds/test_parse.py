"""Parsing: flawed feeds are used with a warning, hostile or broken ones refused."""

from __future__ import annotations

import pytest

from tests.feeds.server import DATA
from timeline.errors import FeedError
from timeline.feeds.parse import parse_feed

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
<!ENTITY lol "lol">
<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<rss version="2.0"><channel><title>&lol9;</title>
<item><guid>a</guid><title>&lol9;</title></item></channel></rss>"""

HTML_PAGE = b"""<!DOCTYPE html>
<html><head><title>Site maintenance</title></head><body><p>Back soon.</p></body></html>"""


def test_good_feeds_parse_without_warning() -> None:
    for name, items in [("us-policy-wire.xml", 11), ("digital-policy-digest.atom", 7)]:
        parsed = parse_feed((DATA / name).read_bytes(), "application/xml")
        assert parsed.warning is None
        assert len(parsed.feed.entries) == items


def test_a_bozo_feed_that_parsed_is_used_with_its_warning() -> None:
    parsed = parse_feed((DATA / "emerging-markets-briefing.xml").read_bytes())
    assert len(parsed.feed.entries) == 9
    assert parsed.warning == "SAXParseException at line 16, column 29: undefined entity"


def test_a_latin1_feed_is_decoded_as_latin1() -> None:
    parsed = parse_feed((DATA / "veille-numerique-fr.xml").read_bytes(), "application/rss+xml")
    assert len(parsed.feed.entries) == 6
    assert any("é" in entry.title for entry in parsed.feed.entries)


def test_a_latin1_feed_declared_utf8_is_used_with_a_warning() -> None:
    body = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>V</title>'
        "<item><guid>g</guid><title>Loi adoptée à Paris</title></item></channel></rss>"
    ).encode("latin-1")
    parsed = parse_feed(body)
    assert parsed.feed.entries[0].title == "Loi adoptée à Paris"
    assert parsed.warning is not None
    assert parsed.warning.startswith("CharacterEncodingOverride")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (BILLION_LAUGHS, "the document declares XML entities (refused: entity expansion)"),
        (HTML_PAGE, "not a feed: the server sent an HTML page"),
        (
            bytes(range(256)) * 400,
            "not a feed: SAXParseException at line 2, column 0: not well-formed",
        ),
        (b"", "not a feed: "),
        (b'<?xml version="1.0"?><rss version="2.0"><channel><title>cut', "unparseable feed: "),
    ],
    ids=["billion-laughs", "html", "garbage", "empty", "truncated"],
)
def test_what_is_not_a_feed_is_refused_with_a_reason(body: bytes, reason: str) -> None:
    with pytest.raises(FeedError) as caught:
        parse_feed(body)
    message = str(caught.value)
    assert message.startswith(reason)
    assert "\n" not in message
