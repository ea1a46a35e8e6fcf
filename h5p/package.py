"""Opening and vetting an `.h5p` package, entirely in memory.

`inspect_package(data, installed=...)` returns a `Package` (everything that would be stored, with
content.json already sanitised) or raises `PackageRefused` with a Japanese message. Nothing here
touches storage or the database; `h5p.services.install` stores a vetted package.

The checks, in order: a zip at all → every entry's name (no `..`, absolute, backslash or drive
paths, no symlinks, no dotfiles, no duplicates) → counts and sizes (files, total uncompressed,
compression ratio: zip bombs) → h5p.json → content/content.json → libraries in the package
(library.json, folder name, file types) → every dependency resolvable (in the package or already
installed), the main library present → content/ files only from H5P core's default allow-list
→ every text field sanitised against the libraries' semantics (nh3). Libraries in the package that
the content never loads (editor libraries such as H5PEditor.*, which real exports often carry) are
vetted like the others but not stored; the report names them.
"""

from __future__ import annotations

import io
import json
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from django.utils.translation import gettext as _

from h5p.sanitise import sanitise_content, sanitise_metadata

MAX_PACKAGE_BYTES = 50 * 1024 * 1024
MAX_TOTAL_UNCOMPRESSED = 150 * 1024 * 1024
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_FILES = 1500
MAX_RATIO = 100  # uncompressed / compressed, for any entry bigger than RATIO_FLOOR
RATIO_FLOOR = 256 * 1024
MAX_JSON_BYTES = 5 * 1024 * 1024

# H5P core's default allow-lists (H5PCore::$defaultContentWhitelist, and the same plus `js css`
# for libraries), so a package exported by h5p.org, Moodle, Lumi... is accepted as H5P accepts it.
# Nothing here is trusted because of its extension: every file is served from the cookie-less
# player origin with our own content type (never text/html), `nosniff` and
# `Content-Security-Policy: default-src 'none'; sandbox` (an SVG or XML file opened directly
# cannot run script), types a browser would not show inline as downloads (h5p.player).
# `.html .htm .php .js` (in content/) and anything else not listed are refused.
H5P_CONTENT_WHITELIST = (
    "json png jpg jpeg gif bmp tif tiff svg eot ttf woff woff2 otf webm mp4 ogg mp3 m4a wav txt pdf rtf "
    "doc docx xls xlsx ppt pptx odt ods odp xml csv diff patch swf md textile vtt webvtt gltf glb"
)
H5P_LIBRARY_WHITELIST_EXTRAS = "js css"
# Ours on top (media a browser only plays or shows as an image; source maps of library scripts).
CONTENT_EXTRAS = "webp oga ogv"
LIBRARY_EXTRAS = "map"
CONTENT_EXTENSIONS = frozenset((H5P_CONTENT_WHITELIST + " " + CONTENT_EXTRAS).split())
LIBRARY_EXTENSIONS = frozenset(
    (H5P_CONTENT_WHITELIST + " " + CONTENT_EXTRAS + " " + H5P_LIBRARY_WHITELIST_EXTRAS + " " + LIBRARY_EXTRAS).split()
)
MACHINE_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,255}$")
LIBRARY_REF = re.compile(r"^([A-Za-z0-9_.\-]{1,255}) (\d{1,5})\.(\d{1,5})$")
DRIVE = re.compile(r"^[A-Za-z]:")


class PackageRefused(Exception):
    """The package is refused; `message` says why, in Japanese, for the editor."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class LibraryFiles:
    machine_name: str
    major: int
    minor: int
    patch: int
    title: str
    runnable: bool
    metadata: dict
    semantics: list
    files: dict[str, bytes]  # path inside the library folder → bytes

    @property
    def key(self) -> tuple[str, int, int, int]:
        return (self.machine_name, self.major, self.minor, self.patch)

    @property
    def label(self) -> str:
        return f"{self.machine_name} {self.major}.{self.minor}.{self.patch}"


@dataclass
class Package:
    title: str
    main_library: str  # machine name
    h5p_json: dict
    content_json: dict
    libraries: dict[str, LibraryFiles]  # folder name (Name-maj.min) → files, from the package
    dependencies: list[tuple[str, int, int]]  # every (machineName, major, minor) the content needs
    media: dict[str, bytes]  # path under content/ (not content.json) → bytes
    problems: list[str] = field(default_factory=list)  # what sanitising changed (warnings)
    unused: list[str] = field(default_factory=list)  # libraries in the package the content never loads


def _ext(name: str) -> str:
    suffix = PurePosixPath(name).suffix
    return suffix[1:].lower() if suffix else ""


def _check_name(info: zipfile.ZipInfo) -> str:
    name = info.filename
    if "\\" in name:
        raise PackageRefused(_("ファイル名に「\\」を含むパスがあります：%(name)s") % {"name": name[:200]})
    if name.startswith("/") or DRIVE.match(name):
        raise PackageRefused(_("絶対パスのファイルがあります：%(name)s") % {"name": name[:200]})
    if "\x00" in name:
        raise PackageRefused(_("ファイル名が不正です。"))
    parts = [p for p in name.split("/") if p != ""]
    if any(p in ("..", ".") for p in parts):
        raise PackageRefused(_("「../」を含むパスがあります：%(name)s") % {"name": name[:200]})
    mode = (info.external_attr >> 16) & 0xFFFF
    if stat.S_ISLNK(mode):
        raise PackageRefused(_("シンボリックリンクが含まれています：%(name)s") % {"name": name[:200]})
    if any(p.startswith(".") for p in parts):
        if len(parts) > 1 and parts[0] != "content" and not info.is_dir():
            return None  # inside a library folder (H5P's own libraries ship language/.en.json): left out
        if not info.is_dir() or parts[0] == "content":
            raise PackageRefused(_("隠しファイル（ドットファイル）が含まれています：%(name)s") % {"name": name[:200]})
    if parts and parts[0] == "__MACOSX":
        return None  # macOS archive metadata: left out
    return "/".join(parts)


def _json(data: bytes, what: str):
    if len(data) > MAX_JSON_BYTES:
        raise PackageRefused(_("%(what)s が大きすぎます。") % {"what": what})
    try:
        return json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise PackageRefused(_("%(what)s が正しいJSONではありません。") % {"what": what}) from None


def _int(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > 99999:
        raise PackageRefused(_("%(what)s の版番号が不正です。") % {"what": what})
    return value


def _dependency_list(value, what: str) -> list[tuple[str, int, int]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise PackageRefused(_("%(what)s の依存関係の書き方が不正です。") % {"what": what})
    deps = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("machineName"), str):
            raise PackageRefused(_("%(what)s の依存関係の書き方が不正です。") % {"what": what})
        name = item["machineName"]
        if not MACHINE_NAME.match(name):
            raise PackageRefused(_("%(what)s にライブラリ名として使えない名前があります。") % {"what": what})
        deps.append((name, _int(item.get("majorVersion"), what), _int(item.get("minorVersion"), what)))
    return deps


def open_zip(data: bytes, skipped: list[str] | None = None) -> dict[str, bytes]:
    """The package's files (path → bytes), after the structural and size checks. Dotfiles inside
    library folders and macOS metadata are left out (their names are added to `skipped`)."""
    if len(data) > MAX_PACKAGE_BYTES:
        raise PackageRefused(
            _("ファイルが大きすぎます（上限 %(mb)d MB）。") % {"mb": MAX_PACKAGE_BYTES // (1024 * 1024)}
        )
    if not data.startswith(b"PK") or not zipfile.is_zipfile(io.BytesIO(data)):
        raise PackageRefused(_("H5P ファイル（ZIP 形式）ではありません。"))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError):
        raise PackageRefused(_("H5P ファイル（ZIP 形式）ではありません。")) from None
    entries = [info for info in infos if not info.is_dir()]
    if len(infos) > MAX_FILES:
        raise PackageRefused(_("ファイルの数が多すぎます（上限 %(n)d）。") % {"n": MAX_FILES})
    total = 0
    names: set[str] = set()
    checked = []
    for info in infos:
        name = _check_name(info)
        if name is None:
            if skipped is not None and not info.is_dir():
                skipped.append(info.filename[:200])
            continue
        if info.is_dir():
            continue
        if name.lower() in names:
            raise PackageRefused(_("同じ名前のファイルが重複しています：%(name)s") % {"name": name[:200]})
        names.add(name.lower())
        if info.flag_bits & 0x1:
            raise PackageRefused(_("暗号化されたファイルは扱えません。"))
        if info.file_size > MAX_FILE_BYTES:
            raise PackageRefused(_("大きすぎるファイルがあります：%(name)s") % {"name": name[:200]})
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise PackageRefused(
                _("圧縮率が異常に高いファイルがあります（ZIP 爆弾の疑い）：%(name)s") % {"name": name[:200]}
            )
        total += info.file_size
        if total > MAX_TOTAL_UNCOMPRESSED:
            raise PackageRefused(
                _("展開後の合計サイズが大きすぎます（上限 %(mb)d MB）。")
                % {"mb": MAX_TOTAL_UNCOMPRESSED // (1024 * 1024)}
            )
        checked.append((name, info))
    if total > RATIO_FLOOR and total > MAX_RATIO * max(len(data), 1):
        raise PackageRefused(_("圧縮率が異常に高いファイルです（ZIP 爆弾の疑い）。"))
    files: dict[str, bytes] = {}
    read_total = 0
    for name, info in checked:
        try:
            with archive.open(info) as handle:
                content = handle.read(MAX_FILE_BYTES + 1)
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
            raise PackageRefused(_("壊れたファイルが含まれています：%(name)s") % {"name": name[:200]}) from None
        read_total += len(content)
        if len(content) > MAX_FILE_BYTES or read_total > MAX_TOTAL_UNCOMPRESSED:
            raise PackageRefused(_("展開後の合計サイズが大きすぎます。"))
        files[name] = content
    del entries
    return files


def _library_from(folder: str, files: dict[str, bytes], notes: list[str] | None = None) -> LibraryFiles:
    what = f"{folder}/library.json"
    if "library.json" not in files:
        raise PackageRefused(_("ライブラリ %(folder)s に library.json がありません。") % {"folder": folder})
    meta = _json(files["library.json"], what)
    if not isinstance(meta, dict):
        raise PackageRefused(_("%(what)s の形式が不正です。") % {"what": what})
    name = meta.get("machineName")
    if not isinstance(name, str) or not MACHINE_NAME.match(name):
        raise PackageRefused(_("%(what)s の machineName が不正です。") % {"what": what})
    major, minor = _int(meta.get("majorVersion"), what), _int(meta.get("minorVersion"), what)
    patch = _int(meta.get("patchVersion"), what)
    if folder not in (f"{name}-{major}.{minor}", name):
        raise PackageRefused(
            _("ライブラリのフォルダ名 %(folder)s が library.json（%(name)s %(v)s）と合いません。")
            % {"folder": folder, "name": name, "v": f"{major}.{minor}"}
        )
    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        raise PackageRefused(_("%(what)s に title がありません。") % {"what": what})
    for path in [path for path in files if not _ext(path)]:  # LICENSE and the like: left out
        del files[path]
        if notes is not None:
            notes.append(f"{folder}/{path}")
    for path in files:
        if _ext(path) not in LIBRARY_EXTENSIONS:
            raise PackageRefused(
                _("ライブラリ %(folder)s に使えない種類のファイルがあります：%(path)s")
                % {"folder": folder, "path": path[:200]}
            )
    for key in ("preloadedJs", "preloadedCss"):
        entries = meta.get(key) or []
        if not isinstance(entries, list) or any(
            not isinstance(entry, dict) or entry.get("path") not in files for entry in entries
        ):
            raise PackageRefused(
                _("%(what)s の %(key)s が存在しないファイルを指しています。") % {"what": what, "key": key}
            )
    semantics = []
    if "semantics.json" in files:
        semantics = _json(files["semantics.json"], f"{folder}/semantics.json")
        if not isinstance(semantics, list):
            raise PackageRefused(_("%(folder)s/semantics.json の形式が不正です。") % {"folder": folder})
    _dependency_list(meta.get("preloadedDependencies"), what)
    _dependency_list(meta.get("dynamicDependencies"), what)
    _dependency_list(meta.get("editorDependencies"), what)
    metadata = sanitise_metadata(meta)
    return LibraryFiles(
        name, major, minor, patch, metadata["title"], bool(meta.get("runnable")), metadata, semantics, files
    )


def inspect_package(data: bytes, installed=None) -> Package:
    """Vet a package. `installed(machine_name, major, minor)` returns an installed library's
    (metadata, semantics) or None — dependencies may be satisfied by libraries already stored."""
    installed = installed or (lambda name, major, minor: None)
    skipped: list[str] = []
    files = open_zip(data, skipped)
    if "h5p.json" not in files:
        raise PackageRefused(_("h5p.json がありません。H5P ファイルではないようです。"))
    h5p_json = _json(files["h5p.json"], "h5p.json")
    if not isinstance(h5p_json, dict):
        raise PackageRefused(_("h5p.json の形式が不正です。"))
    title = h5p_json.get("title")
    main = h5p_json.get("mainLibrary")
    if not isinstance(title, str) or not title.strip():
        raise PackageRefused(_("h5p.json に title（タイトル）がありません。"))
    if not isinstance(main, str) or not MACHINE_NAME.match(main):
        raise PackageRefused(_("h5p.json に mainLibrary（メインのライブラリ）がありません。"))
    if not isinstance(h5p_json.get("preloadedDependencies"), list) or not h5p_json["preloadedDependencies"]:
        raise PackageRefused(_("h5p.json に preloadedDependencies（必要なライブラリ）がありません。"))
    top_deps = _dependency_list(h5p_json.get("preloadedDependencies"), "h5p.json")
    if not any(dep[0] == main for dep in top_deps):
        raise PackageRefused(
            _("h5p.json の mainLibrary %(main)s が必要なライブラリに含まれていません。") % {"main": main}
        )

    if "content/content.json" not in files:
        raise PackageRefused(_("content/content.json がありません。"))
    content_json = _json(files["content/content.json"], "content/content.json")
    if not isinstance(content_json, dict):
        raise PackageRefused(_("content/content.json の形式が不正です。"))

    grouped: dict[str, dict[str, bytes]] = {}
    media: dict[str, bytes] = {}
    for path, content in files.items():
        if path in ("h5p.json", "content/content.json"):
            continue
        head, _sep, rest = path.partition("/")
        if not rest:
            raise PackageRefused(_("H5P ファイルの最上位に置けないファイルがあります：%(path)s") % {"path": path[:200]})
        if head == "content":
            extension = _ext(rest)
            if not extension:
                raise PackageRefused(_("content/ に拡張子のないファイルがあります：%(path)s") % {"path": path[:200]})
            if extension not in CONTENT_EXTENSIONS:
                raise PackageRefused(
                    _("content/ に使えない種類のファイルがあります（.%(ext)s）：%(path)s")
                    % {"ext": extension, "path": path[:200]}
                )
            media[rest] = content
        else:
            grouped.setdefault(head, {})[rest] = content

    libraries: dict[str, LibraryFiles] = {}
    by_name: dict[tuple[str, int, int], LibraryFiles] = {}
    for folder, lib_files in grouped.items():
        library = _library_from(folder, lib_files, skipped)
        ref = (library.machine_name, library.major, library.minor)
        if ref in by_name:
            raise PackageRefused(_("同じライブラリが重複しています：%(name)s") % {"name": library.label})
        by_name[ref] = library
        libraries[f"{library.machine_name}-{library.major}.{library.minor}"] = library

    # Every dependency, transitively: from the package or already installed.
    needed: list[tuple[str, int, int]] = []
    semantics_of: dict[str, list] = {}
    queue = list(top_deps)
    while queue:
        ref = queue.pop(0)
        if ref in needed:
            continue
        needed.append(ref)
        if ref in by_name:
            library = by_name[ref]
            meta, semantics = library.metadata, library.semantics
        else:
            found = installed(*ref)
            if found is None:
                if ref[0] == main:
                    raise PackageRefused(
                        _("メインのライブラリ %(name)s がファイルに含まれておらず、登録もされていません。")
                        % {"name": f"{ref[0]} {ref[1]}.{ref[2]}"}
                    )
                raise PackageRefused(
                    _("必要なライブラリ %(name)s がファイルに含まれておらず、登録もされていません。")
                    % {"name": f"{ref[0]} {ref[1]}.{ref[2]}"}
                )
            meta, semantics = found
        semantics_of[f"{ref[0]} {ref[1]}.{ref[2]}"] = semantics
        queue.extend(_dependency_list(meta.get("preloadedDependencies"), ref[0]))
    main_ref = next(dep for dep in top_deps if dep[0] == main)
    main_semantics = semantics_of[f"{main_ref[0]} {main_ref[1]}.{main_ref[2]}"]

    problems: list[str] = [
        _("保存しなかったファイル（ライブラリ内の隠しファイル・拡張子のないファイルなど）：%(name)s") % {"name": name}
        for name in skipped
    ]
    unused = sorted(
        library.label
        for library in libraries.values()
        if (library.machine_name, library.major, library.minor) not in needed
    )
    for label in unused:
        problems.append(
            _("コンテンツが使わないため保存しなかったライブラリ（エディタ用など）：%(name)s") % {"name": label}
        )
    clean_content = sanitise_content(content_json, main_semantics, semantics_of, set(media), problems)
    clean_h5p = sanitise_metadata(h5p_json, problems=problems, where="h5p.json")
    return Package(
        title=clean_h5p["title"][:255],
        main_library=main,
        h5p_json=clean_h5p,
        content_json=clean_content,
        libraries=libraries,
        dependencies=needed,
        media=media,
        problems=problems,
        unused=unused,
    )
