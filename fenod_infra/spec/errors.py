"""One error type for every user mistake, carrying *all* the problems at once.

A user who fixes one typo should not have to run again to learn of the next, so
validation collects :class:`Problem` rows and raises one :class:`SpecError`.
Its text never contains a secret value: problems name keys, not values.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong, located by the config key or declaration path that holds it."""

    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.key}: {self.message}"


class SpecError(Exception):
    """A user error in the app declaration or stack config; shown without a traceback."""

    def __init__(self, problems: list[Problem], heading: str = "invalid configuration") -> None:
        self.problems = list(problems)
        self.heading = heading
        super().__init__(self.render())

    def render(self) -> str:
        """The message users read: a heading, then one line per problem."""
        n = len(self.problems)
        lines = [f"{self.heading} ({n} problem{'s' if n != 1 else ''}):"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


def raise_if(problems: list[Problem], heading: str = "invalid configuration") -> None:
    """Raise one :class:`SpecError` if any problem was collected."""
    if problems:
        raise SpecError(problems, heading)
