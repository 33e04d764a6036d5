"""A poster, and the key that names it in a store: the one poster type of the project.

Ingest parses session pages into `Poster`s (`ingest.parse`) and writes them to the poster
table as records (`Poster.as_json`); an opened store reads them back (`Poster.from_json`),
each given how it is cited in that store (`with_refs` in `assistant.catalog`). It lives in
the assistant package, which a query imports, and ingest imports it from here: ingest
already depends on the assistant (store, settings, saved index), never the other way round.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple

from assistant.citations import Ref, make_ref

AUTHOR_SEPARATOR = " · "  # how the page, the poster table and the answers join authors


class PosterKey(NamedTuple):
    """A poster in a store: its session and board (sessions may reuse a board).

    `str()` gives "session:board", the prefix of its chunks' node ids in Chroma."""

    session: str
    board: int

    def __str__(self) -> str:
        return f"{self.session}:{self.board}"

    @classmethod
    def parse(cls, text: str) -> PosterKey:
        """From "session:board" (a session name may hold a colon; a board never does)."""
        session, board = text.rsplit(":", 1)
        return cls(session, int(board))

    @classmethod
    def of_node(cls, node_id: str) -> PosterKey:
        """The poster of a chunk's node id, "session:board:chunk"."""
        return cls.parse(node_id.rsplit(":", 1)[0])


@dataclass(frozen=True)
class Poster:
    """One poster. `session_label` and `board_shared` say how a store cites it (`ref`); a
    poster made outside a store (a parsed page, a test's) is cited by its board."""

    board: int
    kind: str  # "poster" | "spotlight" | "oral"
    title: str
    authors: tuple[str, ...]
    abstract: str
    session: str
    award: str = ""
    # The line of the kind line in the source page, for error messages: where it was read,
    # not what it is (a poster read back from the store has 0).
    line: int = field(default=0, compare=False)
    # The session's short label ("S3") when the store holds several sessions, else "".
    session_label: str = ""
    board_shared: bool = False  # another session of the store has this board too

    def __post_init__(self) -> None:
        # A page lists an author twice for two affiliations ("Man Yao · Man Yao"): one person.
        object.__setattr__(self, "authors", tuple(dict.fromkeys(self.authors)))

    @cached_property
    def key(self) -> PosterKey:
        return PosterKey(self.session, self.board)

    @cached_property  # read for every poster by filters and indexes: made once
    def ref(self) -> Ref:
        """How answers cite it (`assistant.citations`): the board, or "S3 #812" when another
        session of the store has that board."""
        return make_ref(self.board, self.session_label if self.board_shared else "")

    @property
    def author_line(self) -> str:
        """The authors as printed: "A · B · C"."""
        return AUTHOR_SEPARATOR.join(self.authors)

    @property
    def text(self) -> str:
        """Title and abstract, the text most per-poster word views read."""
        return f"{self.title} {self.abstract}"

    def as_json(self) -> dict[str, Any]:
        """The poster as JSON: a record of the poster table, and a whole poster wherever
        one is served (board, session, kind, award, title, authors in one line, abstract)."""
        return {"board": self.board, "session": self.session, "kind": self.kind,
                "award": self.award, "title": self.title, "authors": self.author_line,
                "abstract": self.abstract}

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> Poster:
        """A record of the poster table (see `as_json`) as a Poster; its authors line
        comes back exactly as written."""
        line = record["authors"]
        return cls(board=int(record["board"]), kind=record["kind"], title=record["title"],
                   authors=tuple(line.split(AUTHOR_SEPARATOR)) if line else (),
                   abstract=record["abstract"], session=record["session"],
                   award=record.get("award", ""))
