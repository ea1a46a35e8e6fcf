"""Sanitising every text field of an H5P package against the libraries' semantics (nh3).

As H5P core does: a `text` field with the `html` widget keeps only the tags its semantics allow
(and never scripts, event-handler attributes or `javascript:` URLs); any other text field is
HTML-escaped (content types insert text fields as HTML). Strings the semantics do not describe are
cleaned with a small safe tag set. File fields must point at a file in the package's content/
folder or an http(s) URL. The result is plain data; nothing is ever executed.
"""

from __future__ import annotations

import copy
import html
import re

import nh3
from django.utils.translation import gettext as _

SAFE_TAGS = frozenset(
    [
        "p",
        "br",
        "strong",
        "em",
        "b",
        "i",
        "u",
        "s",
        "sub",
        "sup",
        "ul",
        "ol",
        "li",
        "a",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "span",
        "div",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "th",
        "td",
        "caption",
        "hr",
        "code",
        "pre",
        "del",
        "ins",
    ]
)
DEFAULT_HTML_TAGS = frozenset(
    ["p", "br", "strong", "em", "b", "i", "u", "s", "sub", "sup", "ul", "ol", "li", "a", "span"]
)
ATTRIBUTES = {"a": {"href", "title", "target"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan", "scope"}}
URL_SCHEMES = {"http", "https", "mailto"}
DANGER = re.compile(
    r"<\s*/?\s*(script|iframe|object|embed|style|link|meta|base|form|svg|math)\b|\son[a-z]+\s*=|javascript\s*:|vbscript\s*:|data\s*:\s*text/html",
    re.IGNORECASE,
)
BAD_URL = re.compile(r"^\s*(javascript|vbscript|data|file)\s*:", re.IGNORECASE)
MAX_DEPTH = 60


def clean_html(value: str, tags=DEFAULT_HTML_TAGS) -> str:
    allowed = set(tags) & SAFE_TAGS
    return nh3.clean(
        value,
        tags=allowed,
        attributes={tag: attrs for tag, attrs in ATTRIBUTES.items() if tag in allowed},
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def html_field_tags(definition: dict) -> set[str]:
    """The tags an `html` text field keeps, as H5P core's validateText computes them: the field's
    `tags` plus `div span p br` (always: the editor's enterMode wraps text in <p> or <div>) and the
    tags that go with those listed (table rows and cells, strong for b, em for i, li for lists, s
    for del/strike). Intersected with SAFE_TAGS by clean_html."""
    listed = definition.get("tags")
    if not isinstance(listed, list):
        return set(DEFAULT_HTML_TAGS) | {"div"}
    tags = {tag for tag in listed if isinstance(tag, str)} | {"div", "span", "p", "br"}
    if "table" in tags:
        tags |= {"tr", "td", "th", "colgroup", "thead", "tbody", "tfoot", "caption"}
    if "b" in tags:
        tags.add("strong")
    if "i" in tags:
        tags.add("em")
    if "ul" in tags or "ol" in tags:
        tags.add("li")
    if "del" in tags or "strike" in tags:
        tags.add("s")
    return tags


def escape_text(value: str) -> str:
    """Plain text, HTML-escaped once (already-escaped text is not escaped twice)."""
    return html.escape(html.unescape(value), quote=True)


def clean_string(value: str) -> str:
    """A string the semantics do not describe: markup cleaned, script URLs removed."""
    if BAD_URL.match(value):
        return ""
    if "<" in value or DANGER.search(value):
        return clean_html(value)
    return value


def _note(problems, path: str, before: str) -> None:
    if problems is not None and (DANGER.search(before) or BAD_URL.match(before)):
        problems.append(_("%(path)s から安全でない HTML（スクリプトなど）を取り除きました。") % {"path": path})


def _generic(value, path: str, problems, depth: int = 0):
    if depth > MAX_DEPTH:
        return None
    if isinstance(value, str):
        cleaned = clean_string(value)
        if cleaned != value:
            _note(problems, path, value)
        return cleaned
    if isinstance(value, list):
        return [_generic(item, f"{path}[{i}]", problems, depth + 1) for i, item in enumerate(value)]
    if isinstance(value, dict):
        return {
            clean_string(str(key)): _generic(item, f"{path}.{key}", problems, depth + 1) for key, item in value.items()
        }
    return value


def sanitise_metadata(data: dict, problems=None, where: str = "") -> dict:
    return _generic(copy.deepcopy(data), where or "metadata", problems)


class _Walker:
    def __init__(self, semantics_of: dict[str, list], media: set[str], problems: list[str]):
        self.semantics_of = semantics_of
        self.media = media
        self.problems = problems

    def group(self, value: dict, fields: list, path: str, depth: int):
        known = {f.get("name"): f for f in fields if isinstance(f, dict) and isinstance(f.get("name"), str)}
        out = {}
        for key, item in value.items():
            key = clean_string(str(key))
            where = f"{path}.{key}" if path else key
            definition = known.get(key)
            out[key] = (
                self.field(item, definition, where, depth + 1)
                if definition
                else _generic(item, where, self.problems, depth + 1)
            )
        return out

    def field(self, value, definition: dict, path: str, depth: int):
        if depth > MAX_DEPTH:
            return None
        kind = definition.get("type")
        if kind == "text" and isinstance(value, str):
            if definition.get("widget") == "html":
                cleaned = clean_html(value, tags=html_field_tags(definition))
            else:  # plain text; a text field may also be used as a link, so no script URLs
                cleaned = "" if BAD_URL.match(value) else escape_text(value)
            if cleaned != value:
                _note(self.problems, path, value)
            return cleaned
        if kind == "group" and isinstance(definition.get("fields"), list):
            fields = definition["fields"]
            if isinstance(value, dict) and not (len(fields) == 1 and fields[0].get("name") not in value):
                return self.group(value, fields, path, depth)
            if len(fields) == 1 and isinstance(fields[0], dict):  # H5P stores one-field groups flattened
                return self.field(value, fields[0], path, depth)
            return _generic(value, path, self.problems, depth)
        if kind == "list" and isinstance(value, list) and isinstance(definition.get("field"), dict):
            return [self.field(item, definition["field"], f"{path}[{i}]", depth + 1) for i, item in enumerate(value)]
        if kind == "library" and isinstance(value, dict):
            return self.library(value, definition, path, depth)
        if kind in ("image", "file") and isinstance(value, dict):
            return self.file(value, path, depth)
        if kind in ("video", "audio") and isinstance(value, list):
            return [self.file(item, f"{path}[{i}]", depth) for i, item in enumerate(value) if isinstance(item, dict)]
        return _generic(value, path, self.problems, depth)

    def library(self, value: dict, definition: dict, path: str, depth: int):
        out = {}
        name = value.get("library")
        semantics = self.semantics_of.get(name) if isinstance(name, str) else None
        options = definition.get("options")
        if isinstance(name, str) and isinstance(options, list) and options and name not in options:
            self.problems.append(
                _("%(path)s は使えないライブラリ %(name)s を指定していたため外しました。")
                % {"path": path, "name": name}
            )
            return {}
        for key, item in value.items():
            if key == "params" and isinstance(item, dict) and semantics is not None:
                out["params"] = self.group(item, semantics, f"{path}.params", depth + 1)
            else:
                out[clean_string(str(key))] = _generic(item, f"{path}.{key}", self.problems, depth + 1)
        return out

    def file(self, value: dict, path: str, depth: int):
        out = _generic(value, path, self.problems, depth)
        target = value.get("path")
        if isinstance(target, str):
            bare = target.split("#", 1)[0]
            if re.match(r"^https?://", bare, re.IGNORECASE):
                return out
            if BAD_URL.match(target) or bare not in self.media:
                self.problems.append(
                    _("%(path)s のファイル %(file)s が見つからないため外しました。")
                    % {"path": path, "file": target[:120]}
                )
                out["path"] = ""
        return out


def sanitise_content(
    content: dict, semantics: list, semantics_of: dict[str, list], media: set[str], problems: list[str]
) -> dict:
    walker = _Walker(semantics_of, media, problems)
    if not isinstance(semantics, list) or not semantics:
        return _generic(copy.deepcopy(content), "content", problems)
    return walker.group(copy.deepcopy(content), semantics, "", 0)
