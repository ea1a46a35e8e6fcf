"""Activity slots in lessons (the final quiz, H5P). The app that provides an activity registers
a renderer; until one is registered, learners see nothing and a preview shows a note."""

from collections.abc import Callable

Renderer = Callable[[dict, dict], str]
_RENDERERS: dict[str, Renderer] = {}


def register_slot_renderer(kind: str, renderer: Renderer) -> None:
    _RENDERERS[kind] = renderer


def renderer_for(kind: str) -> Renderer | None:
    return _RENDERERS.get(kind)


def slot_values(lesson, kind: str) -> list[dict]:
    """The values of the lesson's activity slots of one kind ("quiz", "h5p"), in page order."""
    return [block.value for block in lesson.body if block.block_type == "activity" and block.value.get("kind") == kind]
