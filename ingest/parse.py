"""Parse a conference session page into Poster records.

The page format (see DESIGN.md): a preamble naming the session and its hall, then blocks of
a kind line, a `#NNN` board line, an optional award line, the title, a blank line, authors
joined by ` · `, a blank line, the abstract. Parsing is strict: anything else is a
SessionFormatError naming the file, the line and what was expected.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

# The project's one poster type lives with the assistant, which ingest already depends on.
from assistant.poster import AUTHOR_SEPARATOR, Poster

KIND_LINES = {"Poster": "poster", "Spotlight Poster": "spotlight", "Oral Poster": "oral"}
_BOARD_RE = re.compile(r"#(\d{1,7})")
_SESSION_RE = re.compile(r"^(Poster Session|Oral Session|Session)\b.*\d", re.IGNORECASE)


class SessionFormatError(ValueError):
    """A session page that does not follow the expected format."""

    def __init__(self, path: str, line: int, problem: str, fix: str = "") -> None:
        self.path, self.line, self.problem, self.fix = path, line, problem, fix
        message = f"{path}:{line}: {problem}"
        if fix:
            message += f" ({fix})"
        super().__init__(message)


@dataclass
class Session:
    name: str
    location: str
    source: str
    posters: list[Poster] = field(default_factory=list)


MAX_PAGE_BYTES = 20_000_000  # a whole conference's page is a few MB; 20 MB is not a page
# The longest abstract in the bundled session is ~2,000 characters; 10x that is a block whose
# blank line or kind line went missing, or text that would flood the index and the prompts.
MAX_ABSTRACT_CHARS = 20_000
PAGE_FIX = "pass a saved session page: a plain text file"


def read_session_file(path: Path) -> str:
    """Read a session page as UTF-8, naming the line of the first undecodable byte."""
    data = read_page_bytes(path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise SessionFormatError(
            str(path), line, f"not UTF-8 text (byte {data[err.start]:#04x} at offset {err.start})",
            "save the page as UTF-8",
        ) from None


def read_page_bytes(path: Path, limit: int = MAX_PAGE_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; anything else is refused.

    The size that stat reports is 0 for a FIFO or a device (/dev/zero never ends), so the
    limit is applied while reading. A FIFO is refused before it is opened: opening one for
    reading blocks until a writer comes. O_NONBLOCK covers a file swapped for a FIFO between
    the stat and the open."""
    _check_regular(path, os.stat(path).st_mode)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as file:
        _check_regular(path, os.fstat(file.fileno()).st_mode)
        data = file.read(limit + 1)
    if len(data) > limit:
        raise SessionFormatError(
            str(path), 1, f"the file is larger than {limit / 1e6:g} MB; a session page is "
            "at most that", "check it is a session page, or split it")
    return data


def _check_regular(path: Path, mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    kinds = [(stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
             (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
             (stat.S_ISSOCK, "a socket")]
    kind = next((name for test, name in kinds if test(mode)), "a special file")
    raise SessionFormatError(str(path), 1, f"this is {kind}, not a file to read", PAGE_FIX)


def parse_session(text: str, source: str = "<text>") -> Session:
    """Parse a whole session page. Raises SessionFormatError on any malformed block."""
    lines = text.replace("\r\n", "\n").split("\n")
    starts = [i for i, line in enumerate(lines) if line.strip() in KIND_LINES]
    if not text.strip():
        raise SessionFormatError(source, 1, "the file is empty", "pass a saved session page")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise SessionFormatError(source, line, "binary data (NUL byte) in a text page",
                                 "pass the session page as plain text")
    if not starts:
        raise SessionFormatError(
            source, 1, "no poster blocks found: expected a line 'Poster', 'Spotlight Poster' "
            "or 'Oral Poster'", "is this a session page?")
    name, location = _parse_preamble(lines[: starts[0]])
    session = Session(name=name or Path(source).stem, location=location, source=source)
    seen: dict[int, int] = {}
    for start, end in zip(starts, [*starts[1:], len(lines)], strict=True):
        poster = _parse_block(lines, start, end, session.name, source)
        if poster.board in seen:
            raise SessionFormatError(
                source, start + 2, f"duplicate board #{poster.board} (first at line "
                f"{seen[poster.board]})", "each board number may appear once")
        seen[poster.board] = start + 2
        session.posters.append(poster)
    return session


def _parse_preamble(lines: list[str]) -> tuple[str, str]:
    """Session name ("Poster Session 2") and hall, when the preamble names them."""
    stripped = [line.strip() for line in lines if line.strip()]
    for i, line in enumerate(stripped):
        if _SESSION_RE.match(line):
            location = stripped[i + 1] if i + 1 < len(stripped) else ""
            return line, location if "Abstract" not in location else ""
    return "", ""


def _parse_block(lines: list[str], start: int, end: int, session: str, source: str) -> Poster:
    """One block: lines[start] is the kind line; lines[start:end] is the whole block."""
    kind = KIND_LINES[lines[start].strip()]
    pos = start + 1

    def fail(at: int, problem: str, fix: str = "") -> SessionFormatError:
        if end == len(lines) and at >= end - 1:
            problem += ", but the file ends here (truncated?)"
        return SessionFormatError(source, min(at, len(lines) - 1) + 1, problem, fix)

    board_line = lines[pos].strip() if pos < end else ""
    match = _BOARD_RE.fullmatch(board_line)
    if not match:
        raise fail(pos, f"expected a board line like '#812' after '{lines[start].strip()}', "
                   f"found {board_line[:40]!r}", "every block starts with its kind and board")
    board = int(match.group(1))
    pos += 1
    header = _take_paragraph(lines, pos, end)
    if not header:
        raise fail(pos, f"board #{board}: expected a title line", "the title follows the board")
    if len(header) > 2:
        raise fail(pos + 2, f"board #{board}: expected a blank line after the title",
                   "an award line, then the title, then a blank line")
    award, title = (header[0], header[1]) if len(header) == 2 else ("", header[0])
    pos = _skip_blank(lines, pos + len(header), end)
    authors_lines = _take_paragraph(lines, pos, end)
    if not authors_lines:
        raise fail(pos, f"board #{board}: expected a line of authors joined by ' · '",
                   "title, blank line, authors, blank line, abstract")
    if len(authors_lines) != 1:
        raise fail(pos, f"board #{board}: expected one line of authors joined by ' · '",
                   "title, blank line, authors, blank line, abstract")
    names = authors_lines[0].split(AUTHOR_SEPARATOR.strip())
    authors = tuple(name.strip() for name in names if name.strip())
    pos = _skip_blank(lines, pos + 1, end)
    abstract_lines = [line.strip() for line in lines[pos:end] if line.strip()]
    if not abstract_lines:
        raise fail(pos, f"board #{board}: expected an abstract after the authors",
                   "each block ends with its abstract")
    abstract = " ".join(abstract_lines)
    if len(abstract) > MAX_ABSTRACT_CHARS:
        raise SessionFormatError(
            source, pos + 1, f"board #{board}: the abstract is {len(abstract):,} characters; "
            f"an abstract is at most {MAX_ABSTRACT_CHARS:,}", "shorten it, or check that no "
            "kind line ('Poster') is missing before the next poster")
    return Poster(board=board, kind=kind, title=title.strip(), authors=authors,
                  abstract=abstract, session=session, award=award.strip(), line=start + 1)


def _take_paragraph(lines: list[str], pos: int, end: int) -> list[str]:
    out = []
    while pos < end and lines[pos].strip():
        out.append(lines[pos].strip())
        pos += 1
    return out


def _skip_blank(lines: list[str], pos: int, end: int) -> int:
    while pos < end and not lines[pos].strip():
        pos += 1
    return pos


def format_session(session: Session) -> str:
    """The page text for a session: the inverse of parse_session."""
    kind_lines = {kind: line for line, kind in KIND_LINES.items()}
    out = ["Poster Session", "", session.name, "", session.location, ""]
    for p in session.posters:
        header = [p.award, p.title] if p.award else [p.title]
        out += ["", kind_lines[p.kind], f"#{p.board}", *header, "",
                AUTHOR_SEPARATOR.join(p.authors), "", p.abstract, ""]
    return "\n".join(out)


def load_session(path: Path) -> Session:
    """Read and parse one session page file."""
    return parse_session(read_session_file(path), str(path))
