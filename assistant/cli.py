"""The `posters` command. Heavy libraries are imported inside commands so --help stays instant."""

from __future__ import annotations

import json
import os
import shlex
import sys
import typing
from collections.abc import Collection
from pathlib import Path

import click
from pydantic import ValidationError

from assistant.safe_text import Scanner, TexStream, readable_tex, terminal_safe
from assistant.settings import BUNDLED_SESSION, Settings, apply_offline_env

_KINDS = {int: "a whole number", float: "a number", str: "text", Path: "a folder path"}


def _settings(store: Path | None, **overrides) -> Settings:
    values = {k: v for k, v in overrides.items() if v is not None}
    if store is not None:
        values["store"] = store
    try:
        return Settings(**values)
    except ValidationError as err:
        _fail(settings_problem(err, flags=set(values)))


def _accepted(name: str) -> str:
    """What a setting accepts, read from its field: "a whole number from 1 to 50"."""
    info = Settings.model_fields[name]
    if typing.get_origin(info.annotation) is typing.Literal:
        return "one of " + ", ".join(map(str, typing.get_args(info.annotation)))
    kind = _KINDS.get(info.annotation, "a valid value")
    bounds = {key: getattr(rule, key) for rule in info.metadata
              for key in ("ge", "gt", "le", "lt") if getattr(rule, key, None) is not None}
    if "ge" in bounds and "le" in bounds:
        return f"{kind} from {bounds['ge']} to {bounds['le']}"
    words = {"ge": "at least", "gt": "above", "le": "at most", "lt": "below"}
    return " ".join([kind, *(f"{words[key]} {value}" for key, value in bounds.items())])


def settings_problem(err: ValidationError, flags: Collection[str] = ()) -> str:
    """One line per invalid setting, naming the variable (or flag), what is wrong, the fix:
    "POSTERS_TOP_K=0: input should be greater than or equal to 1; set POSTERS_TOP_K to a
    whole number from 1 to 50, or unset it to use the default (12)"."""
    problems = []
    for error in err.errors():
        name = str(error["loc"][0]) if error["loc"] else ""
        value = str(error.get("input", ""))
        value = value if len(value) <= 40 else value[:40] + "..."
        what = error["msg"][:1].lower() + error["msg"][1:]
        if name not in Settings.model_fields:
            problems.append(f"{name or 'settings'}: {what}")
        elif name in flags:
            flag = "--" + name.replace("_", "-")
            problems.append(f"{flag} {value}: {what}; pass {_accepted(name)}")
        else:
            variable = f"POSTERS_{name.upper()}"
            info = Settings.model_fields[name]
            default = "the default" if info.default_factory else f"the default ({info.default})"
            problems.append(f"{variable}={value}: {what}; set {variable} to {_accepted(name)}, "
                            f"or unset it to use {default}")
    return ". ".join(problems)


def png_out_problem(out: Path) -> str | None:
    """Why the session map cannot be written to `out`, or None: checked before any work."""
    if out.suffix.lower() != ".png":
        return (f"--out {out}: the session map is a PNG image, so the file name must end in "
                f".png; e.g. --out {out.with_suffix('.png') if out.name else 'session_map.png'}")
    folder = out.parent
    if not folder.exists():
        return (f"--out {out}: the folder {folder} does not exist; create it first "
                f"(mkdir -p {shlex.quote(str(folder))}) or choose another --out")
    if not folder.is_dir():
        return f"--out {out}: {folder} is a file, not a folder; choose another --out"
    return None


def exposure_warning(host: str, credentials: tuple[str, str] | None) -> str | None:
    if host in ("127.0.0.1", "localhost", "::1") or credentials is not None:
        return None
    return (f"Warning: serving on {host} without --auth: anyone on your network can use the "
            "app. Add --auth USER:PASS (or POSTERS_AUTH).")


def _show(text: str, err: bool = False, nl: bool = True, scanner: Scanner | None = None) -> None:
    """Print text that may carry data or a model's words (titles, abstracts, answers, session
    names): terminal escape sequences in it are removed (see assistant/safe_text.py)."""
    click.echo(terminal_safe(text, scanner), err=err, nl=nl)


def _fail(message: str) -> typing.NoReturn:
    _show(f"Error: {message}", err=True)
    sys.exit(1)


def _echo_err(message: str) -> None:
    _show(message, err=True)


backend_option = click.option(
    "--backend", type=click.Choice(["auto", "extractive", "openai"]), default=None,
    help="Who writes answers [env POSTERS_BACKEND; default auto: openai when OPENAI_API_KEY "
    "or OPENAI_BASE_URL is set, else extractive].")

store_option = click.option(
    "--store", type=click.Path(path_type=Path, file_okay=False),
    help="Store directory [env POSTERS_STORE; default: per-user data dir].")


def _use_chroma_server(_ctx: click.Context, _param: click.Parameter, url: str | None) -> None:
    """--chroma-url sets what POSTERS_CHROMA_HOST/PORT would, for every subcommand."""
    if not url:
        return
    from urllib.parse import urlsplit

    parts = urlsplit(url if "://" in url else f"http://{url}")
    try:
        port = parts.port or 8000
    except ValueError:
        port = None
    if parts.scheme != "http" or not parts.hostname or port is None:
        raise click.BadParameter(f"{url!r}: expected http://HOST:PORT, e.g. "
                                 "http://127.0.0.1:8000")
    os.environ["POSTERS_CHROMA_HOST"] = parts.hostname
    os.environ["POSTERS_CHROMA_PORT"] = str(port)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="posters")
@click.option("--chroma-url", callback=_use_chroma_server, expose_value=False,
              help="Keep the vectors on a Chroma server (`chroma run --path DIR --host "
              "127.0.0.1 --port 8000`) instead of the embedded store [env "
              "POSTERS_CHROMA_HOST, POSTERS_CHROMA_PORT].")
def cli() -> None:
    """Chat with the posters of NeurIPS 2023 Poster Session 2, offline, with cited boards.

    \b
    Quick start:
        posters chat                                 # the chat app (ingests on first run)
        posters ask "Is anyone generating synthetic MILP instances?"
        posters ask "what is at #813?" --json
        posters ingest --rebuild                     # rebuild the store from scratch

    Answers cite boards like [#812]: walk to that board to see the poster. No API key or
    network is needed; settings come from POSTERS_* environment variables (see README).
    """
    apply_offline_env()


@cli.command()
@click.option("--source", "sources", multiple=True,
              type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="A session page to ingest (repeatable). Default: the bundled session.")
@store_option
@click.option("--rebuild", is_flag=True, help="Discard the store and build it anew.")
@click.option("--progress/--no-progress", default=None,
              help="Show a progress bar while embedding [default: when on a terminal].")
def ingest(sources: tuple[Path, ...], store: Path | None, rebuild: bool,
           progress: bool | None) -> None:
    """Parse session pages, embed their posters and write the store.

    Re-running it only embeds posters whose text changed; a failed or killed ingest leaves
    the previous store as it was, and running the same ingest again resumes where it
    stopped. Several pages (sessions with distinct boards) can share one store.
    """
    from assistant.embedding import load_embedder
    from assistant.store import StoreError
    from ingest.build import ingest as run_ingest
    from ingest.parse import SessionFormatError

    settings = _settings(store)
    try:
        embedder = load_embedder(settings.embed_model, settings.embed_batch_size,
                                 settings=settings)
        report = run_ingest(list(sources) or [BUNDLED_SESSION], settings, embedder,
                            rebuild=rebuild, progress=progress)
    except (SessionFormatError, StoreError) as err:
        _fail(str(err))
    except OSError as err:
        _fail(f"{err.filename or settings.store}: {err.strerror}; check the path and "
              "permissions, or pass another --store")
    _show(report.summary())


@cli.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
@click.option("--k", type=click.IntRange(1, 50), default=None,
              help="Posters to cite at most [env POSTERS_TOP_K; default 12].")
@click.option("--session", default=None, metavar="NAME",
              help="Only the posters of this session (a store can hold several).")
@click.option("--history", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              default=None, metavar="FILE",
              help="Earlier turns: a JSON list of `ask --json` outputs, oldest first. The "
              "question is then a follow-up to the last one ('which of those ...').")
@backend_option
@store_option
def ask(question: str, as_json: bool, k: int | None, session: str | None,
        history: Path | None, backend: str | None, store: Path | None) -> None:
    """Answer one QUESTION about the posters, citing boards like [#812].

    \b
    Examples:
        posters ask "diffusion models for video editing"
        posters ask "who presents at board 455?" --json
        posters ask "which posters between #300 and #350 are about language models?"
        posters ask "how many orals are about diffusion?"
        posters ask "which of those use transformers?" --history turns.json --json
        OPENAI_BASE_URL=http://127.0.0.1:8080/v1 posters ask "..."   # a local LLM

    A conversation from a script: append each `--json` output to a JSON list and pass it
    with --history for the next question.
    """
    from assistant.answer import Answer, quoted
    from assistant.ask import Assistant, QuestionError, clean_question
    from assistant.retrieve import PosterFilter
    from assistant.store import StoreError

    settings = _settings(store, backend=backend)
    try:  # a question with no words is refused before any model or store is loaded
        question = clean_question(question)
    except QuestionError as err:
        _fail(str(err))
    previous = _previous_turn(history) if history else None
    try:
        assistant = Assistant(settings, echo=_echo_err)
        if session is not None and session not in assistant.sessions:
            _fail(f"no session {session!r} in the store {settings.store}; it holds: "
                  + ", ".join(repr(name) for name in assistant.sessions))
        # One scanner: a sequence split between pieces goes whole. TeX quoted from an
        # abstract reads as text (O(ε⁻²)), as in the app, even when split between pieces.
        shown, scanner, tex = "", Scanner(), TexStream()
        for event in assistant.ask_stream(question, k=k, where=PosterFilter(session=session),
                                          previous=previous):
            if isinstance(event, Answer):
                answer = event
            elif not as_json:
                click.echo(tex.feed(terminal_safe(event, scanner)), nl=False)
                shown += event
    except (QuestionError, StoreError) as err:
        _fail(str(err))
    if as_json:  # ASCII: no control character from the data reaches the terminal raw
        click.echo(json.dumps(answer.to_json(), ensure_ascii=True, indent=1))
        return
    click.echo(tex.flush(), nl=False)
    if answer.answer.strip() != shown.strip():  # the LLM failed midway: show what replaced it
        _show(("\n\n" if shown else "") + readable_tex(answer.answer), nl=False)
    click.echo()
    if answer.notice:
        _show(f"\nNote: {answer.notice}", err=True)
    related = [assistant.index.by_board[b] for b in answer.related
               if b in assistant.index.by_board]
    if related:  # offered apart from the answer: close to the question, not an answer to it
        _show("\nRelated posters (not an answer to this):")
        for card in related:
            _show(f"  board {card.board:<5} {quoted(readable_tex(card.title))}")
    if answer.sources:
        _show(f"\nSources ({answer.backend}):")
        for s in answer.sources:
            where = f"  [{s.session}]" if len(assistant.sessions) > 1 else ""
            _show(f"  #{s.board:<5} {s.kind:<9} {quoted(readable_tex(s.title))}  "
                  f"(score {s.score:.2f}){where}")


def _previous_turn(path: Path):
    """The last turn of a --history file (a JSON list of `ask --json` outputs)."""
    from assistant.followup import Turn

    try:
        turns = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as err:
        _fail(f"{path}: not a readable JSON file ({err}); pass a JSON list of `posters ask "
              "--json` outputs, oldest first")
    if not isinstance(turns, list):
        _fail(f"{path}: expected a JSON list of `posters ask --json` outputs, oldest first")
    if not turns:
        return None
    try:
        return Turn.from_json(turns[-1])
    except ValueError as err:
        _fail(f"{path}: turn {len(turns)}: {err}; pass outputs of `posters ask --json` as "
              "they were printed")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to serve on; 0.0.0.0 exposes the app to your network.")
@click.option("--port", type=click.IntRange(1, 65535), default=7860, show_default=True)
@click.option("--auth", envvar="POSTERS_AUTH", default=None, metavar="USER:PASS",
              help="Require this login [env POSTERS_AUTH]. Use it with --host 0.0.0.0.")
@backend_option
@store_option
def chat(host: str, port: int, auth: str | None, backend: str | None,
         store: Path | None) -> None:
    """Open the chat app in your browser at http://HOST:PORT (ingests on first run).

    Answers stream in with [#board] citations; hover one for the poster card. Filters narrow
    the search by kind and board range; starred posters download as a reading list.
    """
    from assistant.ask import Assistant
    from assistant.store import StoreError

    credentials = None
    if auth:
        if ":" not in auth:
            _fail("--auth takes USER:PASS, e.g. --auth alice:s3cret")
        user, password = auth.split(":", 1)
        credentials = (user, password)
    warning = exposure_warning(host, credentials)
    if warning:
        click.echo(warning, err=True)
    settings = _settings(store, backend=backend)
    try:
        assistant = Assistant(settings, echo=_echo_err)
    except StoreError as err:
        _fail(str(err))
    from assistant.app import launch

    _show(f"Serving {len(assistant.cards)} posters on http://{host}:{port} (Ctrl-C to stop)",
          err=True)
    try:
        launch(assistant, host=host, port=port, auth=credentials)
    except OSError as err:
        if "port" not in str(err).lower():
            raise
        _fail(f"{host}:{port} is already in use (another `posters chat`?); pass --port N")


@cli.command()
@click.argument("area")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--max", "max_posters", type=click.IntRange(2, 100), default=30,
              show_default=True, help="Posters to show at most (all are counted).")
@backend_option
@store_option
def summarize(area: str, as_json: bool, max_posters: int, backend: str | None,
              store: Path | None) -> None:
    """Summarize a research AREA across the session, grouped into sub-themes.

    Gathers every poster whose subject is the area (all are counted, --max are shown),
    groups them into 2-6 sub-themes named by a phrase their posters share, largest first, and
    writes each up with citations: an overview built from the posters' contribution sentences
    offline, a paragraph when an LLM is configured.

    \b
    Example:
        posters summarize "federated learning"
    """
    from assistant.ask import Assistant, QuestionError, clean_question
    from assistant.store import StoreError
    from assistant.summarize import summarize as run_summary

    try:
        assistant = Assistant(_settings(store, backend=backend), echo=_echo_err)
        summary = run_summary(assistant, clean_question(area), max_posters=max_posters)
    except (QuestionError, StoreError) as err:
        _fail(str(err))
    if as_json:
        click.echo(json.dumps(summary.to_json(), ensure_ascii=False, indent=1))
        return
    _show(readable_tex(summary.markdown()))
    if summary.notice:
        _show(f"\nNote: {summary.notice}", err=True)


@cli.command(name="map")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False),
              default=Path("session_map.png"), show_default=True, help="PNG file to write.")
@click.option("--highlight", default=None, metavar="QUESTION",
              help="Also mark the posters that answer this question.")
@store_option
def session_map(out: Path, highlight: str | None, store: Path | None) -> None:
    """Draw the session map: every poster by theme, as a static PNG.

    Themes and coordinates are computed at ingest time (clusters of the poster embeddings,
    named by their distinctive terms, on a 2-D PCA projection).
    """
    problem = png_out_problem(out)
    if problem:
        _fail(problem)
    settings = _settings(store, backend="extractive")
    from assistant.ask import Assistant, QuestionError
    from assistant.store import StoreError
    from assistant.themes import plot_map

    try:
        assistant = Assistant(settings, echo=_echo_err)
        theme_map = assistant.index.theme_map
        marked = assistant.ask(highlight).citations if highlight else []
    except (QuestionError, StoreError) as err:
        _fail(str(err))
    if theme_map is None:
        _fail("this store has no session map yet; run `posters ingest --rebuild`")
    import numpy as np

    index = {b: i for i, b in enumerate(theme_map.boards)}
    names = [t["label"] for t in theme_map.themes]
    session = ", ".join(sorted({c.session for c in assistant.cards}))
    plot_map(np.array(theme_map.coords), np.array(theme_map.labels), names, out,
             highlight=[index[b] for b in marked if b in index],
             title=f"{session}: {len(theme_map.boards)} posters in {len(names)} themes")
    _show(f"Wrote {out}")


@cli.command(name="eval")
@click.option("--testset", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              default=None, help="A JSONL test set [default: the bundled eval/testset.jsonl].")
@click.option("--retriever", type=click.Choice(["hybrid", "dense", "bm25"]), default="hybrid",
              show_default=True, help="The retriever whose run metrics.json describes.")
@click.option("--compare/--no-compare", default=True, show_default=True,
              help="Also run the other retrievers and show them side by side.")
@click.option("--backend", type=click.Choice(["extractive", "openai"]), default="extractive",
              show_default=True, help="The answerer (openai: the configured OpenAI-compatible "
              "model).")
@click.option("--k", type=click.IntRange(1, 50), default=None,
              help="Posters an answer may cite at most [default: POSTERS_TOP_K].")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=Path("eval/out"),
              show_default=True, help="Where to write metrics.json, report.md and plot.png.")
@click.option("--split", type=click.Choice(["test", "dev", "all"]), default="test",
              show_default=True, help="Rows of this split: 'test' is what is reported, 'dev' "
              "what thresholds and rules are tuned on.")
@store_option
def evaluate(testset: Path | None, retriever: str, compare: bool, backend: str, k: int | None,
             out: Path, split: str, store: Path | None) -> None:
    """Score the answers on a test set: retrieval, citations, abstention, latency.

    Every question goes through the same path as `posters ask`; a conversation row is asked
    turn by turn, each turn a follow-up to the answer before. Metric definitions are in
    eval/README.md.
    """
    from assistant.ask import Assistant
    from assistant.store import StoreError
    from eval.harness import RETRIEVERS, metrics_table, run_testset, write_outputs
    from eval.testset import DEFAULT_TESTSET, TestsetError, load_testset

    path = testset or DEFAULT_TESTSET
    settings = _settings(store, backend=backend)
    try:
        rows = load_testset(path)
        if split != "all":  # a test set without splits is used whole
            rows = [r for r in rows if r.split in (split, None)]
        if not rows:
            _fail(f"{path}: no rows of the {split!r} split; pass --split all")
        assistant = Assistant(settings, echo=_echo_err)
    except (TestsetError, StoreError) as err:
        _fail(str(err))
    names = [retriever] + ([r for r in RETRIEVERS if r != retriever] if compare else [])
    runs = {name: run_testset(assistant, rows, name, k) for name in names}
    config = {"testset": str(path), "split": split, "backend": assistant.backend_label,
              "k": k or assistant.settings.top_k,
              "embed_model": assistant.settings.embed_model}
    metrics = write_outputs(out, retriever, runs, rows, config)
    _show(metrics_table({**metrics["by_kind"], "overall": metrics["overall"]}))
    _show(f"\nWrote {out / 'metrics.json'}, {out / 'report.md'} and {out / 'plot.png'}")


@cli.command()
@backend_option
@store_option
def mcp(backend: str | None, store: Path | None) -> None:
    """Serve the assistant to MCP clients (Claude Desktop, IDEs, agents) over stdio.

    Tools: ask, search_posters, get_poster, similar, summarize; resources: posters://session
    and posters://poster/{board}. The store opens on the first call (an empty one is filled
    with the bundled session first). Messages go to stderr; stdout carries the protocol.

    \b
    A client's configuration:
        {"mcpServers": {"posters": {"command": "posters", "args": ["mcp"]}}}
    """
    from assistant.api import Posters
    from assistant.mcp_server import serve_stdio

    settings = _settings(store, backend=backend)

    def open_posters() -> Posters:
        from assistant.ask import Assistant

        return Posters(Assistant(settings, echo=_echo_err))

    serve_stdio(open_posters)


@cli.group()
def feedback() -> None:
    """Thumbs up/down given in the app, kept in the store's feedback.jsonl."""


@feedback.command(name="export")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), default=None,
              metavar="FILE", help="Write the draft rows here (JSONL) [default: print them].")
@store_option
def feedback_export(out: Path | None, store: Path | None) -> None:
    """Turn thumbs-down answers into draft test rows (JSONL), one per question and answer.

    Each draft has the test set's fields with `gold_boards` empty: fill in the boards that
    should have been cited (or set kind "unanswerable"), then append the row to
    eval/testset.jsonl; until then `posters eval` rejects it, naming its line.

    \b
    Example:
        posters feedback export --out drafts.jsonl
    """
    from assistant.feedback import FEEDBACK_FILE, drafts

    settings = _settings(store)
    rows = drafts(settings.store)
    if not rows:
        _echo_err(f"No thumbs-down answers in {settings.store / FEEDBACK_FILE} yet: mark "
                  "bad answers with 👎 in the app (`posters chat`), then export again.")
    text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    if out is None:
        _show(text, nl=False)
        return
    if not out.parent.is_dir():
        _fail(f"--out {out}: the folder {out.parent} does not exist; create it first or "
              "choose another --out")
    partial = out.with_name(out.name + ".partial")  # a reader never sees half a file
    try:
        partial.write_text(text, encoding="utf-8")
        partial.replace(out)
    except OSError as err:
        _fail(f"--out {out}: {err.strerror}; check the path and permissions")
    _echo_err(f"Wrote {len(rows)} draft row(s) to {out}")


def main() -> None:
    cli(prog_name="posters")


if __name__ == "__main__":
    main()
