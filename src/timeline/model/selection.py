"""Which facts a question, a follow, a calendar or a change feed is about.

A `Selection` is the one answer to "does this fact belong to what the user
picked": by jurisdiction (with or without its subdivisions), by kind pattern
(shell-style, `instrument.*`) and by subject.  Every filter left empty matches
everything, so `Selection()` selects the whole log.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase

from timeline.model.jurisdictions import validate_code, within


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
        """A selection with its jurisdiction codes validated (unknown codes raise)."""
        return cls(
            tuple(validate_code(code) for code in jurisdictions),
            with_subdivisions,
            tuple(kinds),
            tuple(subjects),
        )

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
