"""The store on disk: layout, manifest, and opening the Chroma collection.

Layout of a store directory:
    posters-store.json   the marker written when the store is created: only a folder that
                         holds it is treated as a store, and nothing else in it is touched
    CURRENT              name of the live generation (replaced atomically)
    gen-<stamp>/chroma/  an embedded Chroma database (PersistentClient)
    gen-<stamp>/manifest.json
    gen-<stamp>/readers.lock   readers hold a shared lock on it while they have it open
    gen-<stamp>/building.json  only while an ingest writes the generation (to resume it)
An ingest builds a new generation beside the live one and then swaps CURRENT, so a failed or
killed ingest leaves the previous store serving as it was. An old generation is deleted only
when no reader holds its lock, so a running app keeps answering through a publish (and moves
to the new generation on its next question). With a Chroma server (`POSTERS_CHROMA_HOST`),
each generation's vectors are the server collection `{collection}-{generation}` instead of
`gen-<stamp>/chroma/`.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.poster import Poster, PosterKey

MANIFEST_VERSION = 1
MARKER_FILE = "posters-store.json"
THEMES_FILE = "themes.json"
BUILDING_FILE = "building.json"
READERS_FILE = "readers.lock"
LOCK_FILE = ".ingest.lock"
REBUILD_HINT = "run `posters ingest --rebuild`"
# Only directories named like this are generations; anything else in a store is left alone.
GENERATION_NAME = re.compile(r"gen-\d{8}-\d{6}-[0-9a-f]{8}")


class StoreError(RuntimeError):
    """A store that cannot be used as it is; the message says how to fix it."""


@dataclass
class Manifest:
    embed_model: str
    dimension: int
    sources: list[dict[str, Any]]  # {"path", "sha256", "session", "posters"}
    posters: dict[str, str]  # str(PosterKey), "{session}:{board}" -> content hash (on disk)
    version: int = MANIFEST_VERSION

    def to_json(self) -> str:
        return json.dumps(self.__dict__, indent=1, ensure_ascii=False)

    @classmethod
    def from_file(cls, path: Path) -> Manifest:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            manifest = cls(**data)
        except (OSError, ValueError, TypeError) as err:
            raise StoreError(f"{path}: unreadable store manifest ({err}); {REBUILD_HINT}") from None
        if manifest.version != MANIFEST_VERSION:
            raise StoreError(f"{path}: store format v{manifest.version}, this version reads "
                             f"v{MANIFEST_VERSION}; {REBUILD_HINT}")
        return manifest


def check_model(manifest: Manifest, embed_model: str, store: Path) -> None:
    """Vectors of one model mean nothing to another: refuse, and say how to rebuild."""
    if manifest.embed_model != embed_model:
        remote = " via /v1/embeddings"
        hint = ""
        if manifest.embed_model.endswith(remote):  # questions need the same server
            hint = (f"set POSTERS_EMBED_URL to the server that embedded it and "
                    f"POSTERS_EMBED_MODEL={manifest.embed_model.removesuffix(remote)}, or ")
        raise StoreError(f"{store}: the store was built with embedding model "
                         f"{manifest.embed_model!r}, but the current model is {embed_model!r}; "
                         f"{hint}{REBUILD_HINT}")


def live_name(store: Path) -> str | None:
    """The live generation's name from CURRENT; None when there is none yet. A CURRENT that
    does not hold a generation name (binary, a path, another folder) is refused: it must never
    lead a reader out of the store."""
    pointer = store / "CURRENT"
    try:
        raw = pointer.read_bytes()[:200]
    except FileNotFoundError:
        return None
    except OSError as err:
        raise StoreError(f"{pointer}: unreadable ({err.strerror}); {REBUILD_HINT}") from None
    name = raw.decode("utf-8", "replace").strip()
    if not GENERATION_NAME.fullmatch(name):
        raise StoreError(f"{pointer}: damaged (it should name a generation like "
                         f"gen-20261202-101500-1a2b3c4d, not {name[:40]!r}); {REBUILD_HINT}")
    return name


def _live_name_or_none(store: Path) -> str | None:
    """The live name for a writer that replaces it anyway (`--rebuild`): damage means none."""
    try:
        return live_name(store)
    except StoreError:
        return None


def current_generation(store: Path) -> Path | None:
    """The live generation directory, or None for an empty or new store."""
    check_store(store)
    live = live_name(store)
    if live is None:
        return None
    generation = store / live
    if not (generation / "manifest.json").exists():
        raise StoreError(f"{store}: the store's live generation {generation.name} is missing or "
                         f"incomplete; {REBUILD_HINT}")
    return generation


def read_manifest(store: Path) -> Manifest | None:
    generation = current_generation(store)
    return Manifest.from_file(generation / "manifest.json") if generation else None


def _folder_entries(store: Path) -> list[str]:
    try:
        return os.listdir(store)
    except FileNotFoundError:
        return []
    except NotADirectoryError:
        raise StoreError(f"{store}: is a file, not a store folder; pass a folder with --store "
                         "or set POSTERS_STORE to one") from None


def _is_unmarked_store(store: Path, entries: list[str]) -> bool:
    """A store written before the marker existed: only what an ingest writes (CURRENT, the
    lock, generations named as only we name them)."""
    ours = {"CURRENT", LOCK_FILE}
    return all(
        name in ours or name.startswith(".CURRENT.") or (
            GENERATION_NAME.fullmatch(name) and (store / name).is_dir()) for name in entries)


def check_store(store: Path) -> None:
    """A folder is a store when it holds the marker (or is an older store without one); a
    missing or empty folder becomes one; any other folder is refused before anything is
    read or written, so nobody's files are ever mistaken for ours."""
    entries = _folder_entries(store)
    if not entries or MARKER_FILE in entries or _is_unmarked_store(store, entries):
        return
    raise StoreError(f"{store}: this folder is not a posters store (no {MARKER_FILE}) and is "
                     "not empty, so it is left alone; pass a new or empty folder with --store, "
                     "or set POSTERS_STORE to one")


def claim_store(store: Path) -> None:
    """Before an ingest writes: refuse a foreign folder, create the folder and its marker."""
    check_store(store)
    store.mkdir(parents=True, exist_ok=True)
    if not (store / MARKER_FILE).exists():
        _atomic_write(store / MARKER_FILE, json.dumps({
            "what": "a posters store: only `posters ingest` writes here", "format": 1,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")}))


def new_generation(store: Path, copy_from: Path | None) -> Path:
    """A fresh generation directory, seeded with a copy of the live one when updating."""
    path = store / f"gen-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}"
    if copy_from is not None:
        shutil.copytree(copy_from, path, ignore=shutil.ignore_patterns(READERS_FILE))
        (path / "manifest.json").unlink(missing_ok=True)
    else:
        path.mkdir()
    (path / READERS_FILE).touch()
    return path


def publish_generation(store: Path, generation: Path, manifest: Manifest,
                       server: ChromaServer | None = None) -> None:
    """Write the manifest, point CURRENT at the generation, then remove older generations."""
    _atomic_write(generation / "manifest.json", manifest.to_json())
    _atomic_write(store / "CURRENT", generation.name)
    discard_stale_generations(store, server)


def discard_stale_generations(store: Path, server: ChromaServer | None = None,
                              keep: str | None = None) -> None:
    """Remove generations that are neither live nor `keep` nor open in a reader (left by
    earlier ingests, finished or killed), their collections on the Chroma server, and the
    temporary file of a CURRENT write that was killed."""
    in_use = set()
    for path in stale_generations(store):
        if path.name != keep and not _remove_unless_read(path):
            in_use.add(path.name)
    for leftover in store.glob(".CURRENT.*"):
        leftover.unlink(missing_ok=True)
    if server is not None:
        server.drop_generations(except_for={_live_name_or_none(store), keep, *in_use})


def _remove_unless_read(generation: Path) -> bool:
    """Delete a generation unless a reader holds its lock; True when it is gone."""
    try:
        fd = os.open(generation / READERS_FILE, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:  # a killed ingest's, or from before readers took locks
        shutil.rmtree(generation, ignore_errors=True)
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return False
    try:  # held while deleting: a reader arriving now waits, then finds it gone
        shutil.rmtree(generation, ignore_errors=True)
    finally:
        os.close(fd)
    return True


def stale_generations(store: Path) -> list[Path]:
    """Generations other than the live one (only directories named like a generation)."""
    live = _live_name_or_none(store)
    return [p for p in store.glob("gen-*")
            if p.name != live and GENERATION_NAME.fullmatch(p.name) and p.is_dir()
            and not p.is_symlink()]


class ReadLease:
    """A shared lock on a generation's readers.lock, held while a reader uses it, so that an
    ingest publishing a newer generation does not delete this one under it."""

    def __init__(self, generation: Path) -> None:
        self.fd: int | None = None
        for flags in (os.O_RDONLY | os.O_NOFOLLOW, os.O_RDONLY | os.O_NOFOLLOW | os.O_CREAT):
            try:
                self.fd = os.open(generation / READERS_FILE, flags, 0o644)
                break
            except FileNotFoundError:
                continue  # a generation built before readers took locks: create the file
            except OSError:
                return  # read-only: nobody can delete it from under us either
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_SH)  # waits while an ingest deletes it

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def lease_live_generation(store: Path, attempts: int = 5) -> tuple[Path, ReadLease] | None:
    """The live generation with a read lease on it (None for a new store). An ingest may
    publish and delete between reading CURRENT and taking the lease: then read it again."""
    for _ in range(attempts):
        generation = current_generation(store)
        if generation is None:
            return None
        lease = ReadLease(generation)
        if (generation / "manifest.json").exists():
            return generation, lease
        lease.release()
    raise StoreError(f"{store}: the live generation kept changing while opening it (ingests "
                     "publishing in a loop?); try again")


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def write_posters(generation: Path, posters: list[Poster]) -> None:
    """The poster table: each poster's record (`Poster.as_json`, abstract included) for cards,
    lookups and BM25, one JSON line each."""
    lines = (json.dumps(p.as_json(), ensure_ascii=False) for p in posters)
    _atomic_write(generation / "posters.jsonl", "\n".join(lines) + "\n")


def read_posters(generation: Path) -> list[Poster]:
    path = generation / "posters.jsonl"
    try:
        with path.open(encoding="utf-8") as handle:
            return [Poster.from_json(json.loads(line)) for line in handle if line.strip()]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise StoreError(f"{path}: unreadable poster table ({err}); {REBUILD_HINT}") from None


def write_json(generation: Path, name: str, data: Any) -> None:
    _atomic_write(generation / name, json.dumps(data, ensure_ascii=False))


def read_json(generation: Path, name: str) -> Any | None:
    path = generation / name
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise StoreError(f"{path}: unreadable ({err}); {REBUILD_HINT}") from None


PAGE = 10_000  # records per read: Chroma cannot read 100k records in one call


def pages(collection: Any, include: list[str], where: dict | None = None,
          page: int = PAGE) -> Iterator[dict[str, Any]]:
    """The collection's records a page at a time (all at once fails on large collections:
    "too many SQL variables", and would hold gigabytes)."""
    offset = 0
    while True:
        got = collection.get(where=where, include=include, limit=page, offset=offset)
        yield got
        if len(got["ids"]) < page:
            return
        offset += page


def all_ids(collection: Any) -> set[str]:
    return {node_id for got in pages(collection, []) for node_id in got["ids"]}


def poster_vectors(collection: Any, keys: list[PosterKey], where: dict | None = None) -> Any:
    """Unit poster vectors (the mean of each poster's chunk vectors), one row per poster of
    `keys`, filled a page at a time into one array: a dict of 100k small arrays would take
    twice the memory."""
    import numpy as np

    row = {key: i for i, key in enumerate(keys)}
    matrix = None
    for got in pages(collection, ["embeddings"], where):
        for node_id, vector in zip(got["ids"], got["embeddings"], strict=True):
            at = row.get(PosterKey.of_node(node_id))
            if at is None:
                continue
            if matrix is None:
                matrix = np.zeros((len(keys), len(vector)))
            matrix[at] += vector
    if matrix is None:
        return np.zeros((len(keys), 0))
    matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
    return matrix


def writable_copy(generation: Path) -> Path:
    """The generation itself, or a private copy when it is read-only (a shared or mounted
    store): Chroma writes to its database even to read it."""
    if os.access(generation / "chroma", os.W_OK):
        return generation
    import atexit

    copy = Path(tempfile.mkdtemp(prefix="posters-store-")) / generation.name
    shutil.copytree(generation, copy)
    atexit.register(shutil.rmtree, copy.parent, True)
    return copy


@contextmanager
def ingest_lock(store: Path) -> Iterator[None]:
    """An exclusive lock on the store for one ingest; the OS releases it if the process dies.
    Opened without truncating and without following a link: a symlink planted there must not
    let an ingest damage the file it points at."""
    claim_store(store)
    path = store / LOCK_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    except OSError as err:
        if err.errno == errno.ELOOP:
            raise StoreError(f"{path}: is a symbolic link, not the store's lock file; remove "
                             "it and run the ingest again") from None
        raise
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreError(f"{store}: another `posters ingest` is writing this store; wait "
                             "for it to finish") from None
        yield
    finally:
        os.close(fd)


def _nearest_existing(store: Path) -> Path | None:
    return next((p for p in (store, *store.parents) if p.exists()), None)


def is_writable(store: Path) -> bool:
    existing = _nearest_existing(store)
    return existing is not None and os.access(existing, os.W_OK)


def check_writable(store: Path) -> None:
    """Refuse early, with the fix, instead of failing halfway through an ingest."""
    check_store(store)
    if not is_writable(store):
        raise StoreError(f"{_nearest_existing(store)}: not writable (read-only file system or "
                         "permissions); pass another --store or set POSTERS_STORE")


@dataclass(frozen=True)
class ChromaServer:
    """A Chroma server (`chroma run --path DIR --host 127.0.0.1 --port N`) holding the vectors."""

    host: str
    port: int
    collection: str  # the prefix of each generation's collection

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def client(self) -> Any:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        try:
            return chromadb.HttpClient(host=self.host, port=self.port,
                                       settings=ChromaSettings(anonymized_telemetry=False))
        except Exception as err:  # chromadb raises ValueError or httpx errors when unreachable
            raise StoreError(
                f"cannot reach the Chroma server at {self.url} ({type(err).__name__}); start "
                f"it with `chroma run --path DIR --host {self.host} --port {self.port}`, or "
                "unset POSTERS_CHROMA_HOST to use the embedded store") from None

    def collection_name(self, generation: Path) -> str:
        return f"{self.collection}-{generation.name}"

    def drop_generations(self, except_for: set[str | None]) -> None:
        client = self.client()
        keep = {self.collection_name(Path(name)) for name in except_for if name}
        for name in client.list_collections():
            name = getattr(name, "name", name)
            if name.startswith(f"{self.collection}-gen-") and name not in keep:
                client.delete_collection(name)


def chroma_server(settings: Any) -> ChromaServer | None:
    if not settings.chroma_host:
        return None
    return ChromaServer(settings.chroma_host, settings.chroma_port, settings.collection)


def generation_collection(settings: Any, generation: Path, create: bool = False) -> Any:
    """The vectors of one generation: the embedded database in its directory, or its
    collection on the Chroma server. Reading a read-only embedded store goes through a copy."""
    return open_generation(settings, generation, create)[1]


def open_generation(settings: Any, generation: Path, create: bool = False) -> tuple[Any, Any]:
    """(client, collection) of one generation; a reader closes the client when it moves on
    to a newer generation, so the old database's files and memory are let go."""
    server = chroma_server(settings)
    if server is not None:
        client = server.client()
        return client, open_collection(client, server.collection_name(generation), create)
    client = chroma_client(generation if create else writable_copy(generation))
    return client, open_collection(client, settings.collection, create)


def copy_collection(source: Any, target: Any) -> None:
    """Every record of one collection into another, a page at a time (server generations are
    seeded this way; embedded ones by copying their directory)."""
    for got in pages(source, ["embeddings", "documents", "metadatas"], page=5_000):
        if got["ids"]:
            target.add(ids=got["ids"], embeddings=got["embeddings"],
                       documents=got["documents"], metadatas=got["metadatas"])


def chroma_client(generation: Path) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    return chromadb.PersistentClient(
        path=str(generation / "chroma"),
        settings=ChromaSettings(anonymized_telemetry=False, allow_reset=False),
    )


def open_collection(client: Any, name: str, create: bool = False) -> Any:
    """The poster collection; cosine space, and never Chroma's own (downloading) embedder."""
    if create:
        return client.get_or_create_collection(
            name, configuration={"hnsw": {"space": "cosine"}}, embedding_function=None)
    return client.get_collection(name, embedding_function=None)
