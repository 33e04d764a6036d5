"""`posters ingest --source` refuses inputs that never end or would flood the index: a FIFO
(opening one blocks), a device (/dev/zero reports size 0 and never ends), and a page with a
1 MB abstract. Each is one line naming the file and the fix, exit 1, at once."""

from __future__ import annotations

import os
import resource
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from assistant.cli import cli

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and /dev/zero")
HEADER = "Poster Session\n\nPoster Session 9\n\nHall X\n\n"
BLOCK = "Poster\n#{board}\nA Title\n\nAda Lovelace · Alan Turing\n\n{abstract}\n\n"


def ingest(source: Path, store: Path) -> Result:
    # The hash embedder: these inputs are refused before any text is embedded.
    return CliRunner().invoke(cli, ["ingest", "--source", str(source), "--store", str(store)],
                              env={"POSTERS_EMBED_MODEL": "hash-64"})


@contextmanager
def address_space_limit(extra: int):
    """At most `extra` more bytes of memory for the block: code that reads a device to its end
    gets a MemoryError instead of taking the machine's memory."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    used = int(Path("/proc/self/statm").read_text().split()[0]) * resource.getpagesize()
    cap = used + extra if hard == resource.RLIM_INFINITY else min(used + extra, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "page.fifo"
    os.mkfifo(fifo)
    done: list[Result] = []
    worker = threading.Thread(target=lambda: done.append(ingest(fifo, tmp_path / "store")),
                              daemon=True)
    worker.start()
    worker.join(timeout=30)
    if worker.is_alive():  # blocked opening the FIFO: let it go, then fail
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        worker.join(timeout=30)
        pytest.fail("ingest blocked on a FIFO until a writer came")
    output = done[0].output
    assert done[0].exit_code == 1, output
    assert f"{fifo}:1: this is a named pipe (FIFO)" in output and "plain text file" in output
    assert "Traceback" not in output and len(output.strip().splitlines()) == 1


def test_dev_zero_is_refused_without_reading_it(tmp_path):
    with address_space_limit(1_500_000_000):
        result = ingest(Path("/dev/zero"), tmp_path / "store")
    output = result.output
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), output
    assert "/dev/zero:1: this is a character device" in output
    assert "Traceback" not in output


def test_a_one_megabyte_abstract_is_refused_with_its_line(tmp_path):
    page = tmp_path / "page.txt"
    flood = "The same sentence again. " * 40_000  # 1,000,000 characters
    page.write_text(HEADER + BLOCK.format(board=1, abstract="Short.")
                    + BLOCK.format(board=2, abstract=flood), encoding="utf-8")
    result = ingest(page, tmp_path / "store")
    output = result.output
    assert result.exit_code == 1, output
    # line 21: the abstract of the second block (6 lines of header, 8 of the first block)
    assert f"{page}:21: board #2: the abstract is 999,999 characters" in output
    assert "at most 20,000" in output and "shorten it" in output
    assert not (tmp_path / "store").exists() or not any((tmp_path / "store").iterdir())
