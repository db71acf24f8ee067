"""The research inbox: files an operator drops into `ALEX_RESEARCH_INBOX_DIR` for the
researcher to read. Only regular files directly in that folder are visible, by their bare
name: no path separators, no `..`, no absolute paths, no symbolic links (which could point
anywhere), no hidden files. Each file is read up to `ALEX_RESEARCH_FETCH_MAX_BYTES`, the cap on
any one source the researcher reads, and turned into text by the knowledge base's extractor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path, PurePosixPath, PureWindowsPath

from alex.core.errors import AlexError, ValidationFailedError
from alex.knowledge.extract import MEDIA_TYPES, extract

MAX_LISTED = 100


class InboxError(AlexError):
    """A file the researcher may not or cannot read; the message says why."""


@dataclass(frozen=True)
class InboxEntry:
    name: str
    size: int
    modified: datetime


@dataclass(frozen=True)
class InboxFile:
    name: str
    title: str
    text: str
    published: date | None


def _visible(path: Path) -> bool:
    return (
        not path.name.startswith(".")
        and not path.is_symlink()
        and path.is_file()
        and path.suffix.lower() in MEDIA_TYPES
    )


def list_inbox(folder: Path) -> list[InboxEntry]:
    """The readable files, newest first (at most `MAX_LISTED`); none if the folder is absent."""
    if not folder.is_dir():
        return []
    entries = []
    for path in folder.iterdir():
        if _visible(path):
            stat = path.stat()
            modified = datetime.fromtimestamp(stat.st_mtime, tz=UTC)
            entries.append(InboxEntry(path.name, stat.st_size, modified))
    entries.sort(key=lambda e: (-e.modified.timestamp(), e.name))
    return entries[:MAX_LISTED]


def _checked_name(name: str) -> str:
    name = name.strip()
    bare = PurePosixPath(name).name == name and PureWindowsPath(name).name == name
    if not name or not bare or name in {".", ".."} or "\x00" in name:
        raise InboxError(f"{name!r} is not the bare name of a file in the inbox")
    return name


def read_inbox_file(folder: Path, name: str, *, max_bytes: int) -> InboxFile:
    """The text of the inbox file called `name`."""
    name = _checked_name(name)
    path = folder / name
    # `_visible` refuses symbolic links; the resolved check also covers a linked inbox folder
    # whose file names were swapped for links after listing.
    if not _visible(path) or path.resolve().parent != folder.resolve():
        raise InboxError(f"no readable file {name!r} in the inbox (use list_inbox)")
    size = path.stat().st_size
    if size > max_bytes:
        raise InboxError(f"{name} is larger than the {max_bytes:,} byte limit")
    try:
        extracted = extract(name, path.read_bytes())
    except ValidationFailedError as exc:
        raise InboxError(exc.message) from None
    return InboxFile(
        name=name,
        title=extracted.title,
        text=extracted.markdown,
        published=extracted.metadata.published,
    )
