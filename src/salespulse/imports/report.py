"""What an import did or would do: counts, rejected rows and warnings, per file."""

from __future__ import annotations

from dataclasses import dataclass, field


class RowOutcome:
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class RowProblem:
    """A rejected row or a warning: where it is, what was in the cell, and why."""

    row: int | None
    column: str
    value: str
    message: str

    def as_dict(self) -> dict:
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message,
        }


@dataclass
class FileReport:
    file_name: str
    kind: str = ""
    layout: str = ""
    dry_run: bool = False
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    skipped: int = 0
    errors: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)
    notes: list[RowProblem] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    unmapped: list[str] = field(default_factory=list)
    batch_id: int | None = None
    seconds: float = 0.0
    # Why the whole file could not be imported (a dry run of several files goes on with the others).
    failure: str = ""

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def reject(self, problem: RowProblem) -> None:
        self.errors.append(problem)

    def warn(self, problem: RowProblem) -> None:
        self.warnings.append(problem)

    def as_dict(self) -> dict:
        return {
            "file_name": self.file_name,
            "kind": self.kind,
            "layout": self.layout,
            "dry_run": self.dry_run,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "skipped": self.skipped,
            "errors": [problem.as_dict() for problem in self.errors],
            "warnings": [problem.as_dict() for problem in self.warnings],
            "notes": [problem.as_dict() for problem in self.notes],
            "columns": self.columns,
            "unmapped": self.unmapped,
            "seconds": round(self.seconds, 2),
            "failure": str(self.failure),
        }
