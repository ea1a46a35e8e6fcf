"""Where an activity is placed: answered by the course app, which registers a provider.

The h5p app knows nothing of courses. For an xAPI statement or saved state it asks
`placement(user, lesson_id, key)`: the course app checks that the lesson is live, contains the
activity, and that the user is enrolled in its course.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Placement:
    course_id: int
    lesson_id: int
    required: bool = False
    pass_percent: int | None = None


class PlacementRefused(Exception):
    """code: "no_lesson", "not_in_lesson" or "not_enrolled"."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


Provider = Callable[[object, int, str], Placement]
_provider: Provider | None = None


def register_placement_provider(provider: Provider) -> None:
    global _provider
    _provider = provider


def placement(user, lesson_id: int, key: str) -> Placement:
    if _provider is None:
        raise PlacementRefused("no_lesson")
    return _provider(user, lesson_id, key)
