"""What the reading says about data it did not use as sent, and the one error for bad data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar

T = TypeVar("T")
# As rules.NotChecked.kind.
Kind = Literal["medication", "code", "unit", "value", "resource", "input"]


@dataclass(frozen=True)
class DataNote:
    """Relevant data that was not used as sent, and why."""

    source: str  # "MedicationStatement/ms-1", "prefetch egfr", ...
    text: str
    affects_safety: bool = False  # True when a check may be incomplete because of it
    kind: Kind = "resource"


class UnreadableResource(Exception):
    """A resource (or part of one) that is not valid FHIR R4 where this service reads it."""

    def __init__(self, where: str, problem: str):
        super().__init__(f"{where}: {problem}")
        self.where = where
        self.problem = problem


@dataclass
class Reading(Generic[T]):
    """A reader's value and the notes it made on the way."""

    value: T
    notes: list[DataNote] = field(default_factory=list)

    def note(
        self, source: str, text: str, affects_safety: bool = False, kind: Kind = "resource"
    ) -> None:
        self.notes.append(DataNote(source, text, affects_safety, kind))

    def unreadable(self, source: str, error: UnreadableResource) -> None:
        """Say that `source` could not be read, naming the element."""
        self.note(
            source,
            f"could not be read (not valid FHIR R4: {error.problem}): not used",
            affects_safety=True,
        )
