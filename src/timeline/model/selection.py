"""Which facts a question, a follow, a calendar or a change feed is about.

A `Selection` is the one answer to "does this fact belong to what the user
picked": by jurisdiction (with or without its subdivisions), by kind pattern
(shell-style, `instrument.*`) and by subject.  Every filter left empty matches
everything, so `Selection()` selects the whole log.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase

from timeline.errors import InvalidEventError
from timeline.model.jurisdictions import validate_code, within

_SUBJECT_PATTERN = re.compile(r"[a-z0-9*?\[\]][a-z0-9._/*?!\[\]-]{0,199}")
_KIND_PATTERN = re.compile(r"[a-z_.*?!\[\]]{1,80}")


def checked_subject_pattern(pattern: str) -> str:
    """`pattern`, once known to be a subject or a shell-style pattern of subjects."""
    if not _SUBJECT_PATTERN.fullmatch(pattern):
        raise InvalidEventError(
            f"subject {pattern!r} is not a subject or pattern: lower-case words "
            "separated by '/', with * ? [] wildcards, e.g. 'eu/*'"
        )
    return pattern


def checked_kind_pattern(pattern: str) -> str:
    """`pattern`, once known to match some kind of fact: a misspelt pattern would
    otherwise select nothing without a word (an empty calendar, a silent follow)."""
    from timeline.model.events import KINDS, META_KINDS  # pydantic: only when checking

    facts = [kind for kind in KINDS if kind not in META_KINDS]
    if not _KIND_PATTERN.fullmatch(pattern) or not any(
        fnmatchcase(kind, pattern) for kind in facts
    ):
        raise InvalidEventError(
            f"kind {pattern!r} matches no kind of fact; known kinds: {', '.join(facts)}"
        )
    return pattern


@dataclass(frozen=True, slots=True)
class Selection:
    jurisdictions: tuple[str, ...] = ()
    with_subdivisions: bool = False
    kinds: tuple[str, ...] = ()  # shell-style patterns: "instrument.*", "meeting.held"
    subjects: tuple[str, ...] = ()  # exact subjects, or patterns such as "eu/*"

    @classmethod
    def of(
        cls,
        jurisdictions: Iterable[str] = (),
        *,
        with_subdivisions: bool = False,
        kinds: Iterable[str] = (),
        subjects: Iterable[str] = (),
    ) -> Selection:
        """A selection with its codes and patterns checked (unknown codes, malformed
        subjects and kind patterns matching no kind raise `InvalidEventError`)."""
        return cls(
            tuple(validate_code(code) for code in jurisdictions),
            with_subdivisions,
            tuple(kinds),
            tuple(subjects),
        ).checked()

    def checked(self) -> Selection:
        """This selection, once every code and pattern in it is known to be one."""
        for code in self.jurisdictions:
            validate_code(code)
        for pattern in self.kinds:
            checked_kind_pattern(pattern)
        for pattern in self.subjects:
            checked_subject_pattern(pattern)
        return self

    def covers_jurisdiction(self, code: str) -> bool:
        if not self.jurisdictions:
            return True
        if self.with_subdivisions:
            return any(within(code, wanted) for wanted in self.jurisdictions)
        return code in self.jurisdictions

    def matches(self, kind: str, subject: str, jurisdictions: Iterable[str]) -> bool:
        """Whether a fact of this kind, subject and jurisdictions is selected."""
        if self.kinds and not any(fnmatchcase(kind, pattern) for pattern in self.kinds):
            return False
        if self.subjects and not any(fnmatchcase(subject, pattern) for pattern in self.subjects):
            return False
        return not self.jurisdictions or any(self.covers_jurisdiction(c) for c in jurisdictions)
