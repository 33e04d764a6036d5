"""The `posters` command. Heavy libraries are imported inside commands so --help stays instant."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from assistant.settings import BUNDLED_SESSION, Settings, apply_offline_env


def _settings(store: Path | None, **overrides) -> Settings:
    values = {k: v for k, v in overrides.items() if v is not None}
    if store is not None:
        values["store"] = store
    return Settings(**values)


def exposure_warning(host: str, credentials: tuple[str, str] | None) -> str | None:
    if host in ("127.0.0.1", "localhost", "::1") or credentials is not None:
        return None
    return (f"Warning: serving on {host} without --auth: anyone on your network can use the "
            "app. Add --auth USER:PASS (or POSTERS_AUTH).")


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def _echo_err(message: str) -> None:
    click.echo(message, err=True)


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
        embedder = load_embedder(settings.embed_model, settings.embed_batch_size)
        report = run_ingest(list(sources) or [BUNDLED_SESSION], settings, embedder,
                            rebuild=rebuild, progress=progress)
    except (SessionFormatError, StoreError) as err:
        _fail(str(err))
    except OSError as err:
        _fail(f"{err.filename or settings.store}: {err.strerror}; check the path and "
              "permissions, or pass another --store")
    click.echo(report.summary())


@cli.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
@click.option("--k", type=click.IntRange(1, 50), default=None,
              help="Posters to cite at most [env POSTERS_TOP_K; default 12].")
@click.option("--session", default=None, metavar="NAME",
              help="Only the posters of this session (a store can hold several).")
@backend_option
@store_option
def ask(question: str, as_json: bool, k: int | None, session: str | None, backend: str | None,
        store: Path | None) -> None:
    """Answer one QUESTION about the posters, citing boards like [#812].

    \b
    Examples:
        posters ask "diffusion models for video editing"
        posters ask "who presents at board 455?" --json
        OPENAI_BASE_URL=http://127.0.0.1:8080/v1 posters ask "..."   # a local LLM
    """
    from assistant.answer import Answer
    from assistant.ask import Assistant, QuestionError
    from assistant.retrieve import PosterFilter
    from assistant.store import StoreError

    settings = _settings(store, backend=backend)
    try:
        assistant = Assistant(settings, echo=_echo_err)
        if session is not None and session not in assistant.sessions:
            _fail(f"no session {session!r} in the store {settings.store}; it holds: "
                  + ", ".join(repr(name) for name in assistant.sessions))
        shown = ""
        for event in assistant.ask_stream(question, k=k, where=PosterFilter(session=session)):
            if isinstance(event, Answer):
                answer = event
            elif not as_json:
                click.echo(event, nl=False)
                shown += event
    except (QuestionError, StoreError) as err:
        _fail(str(err))
    if as_json:
        click.echo(json.dumps(answer.to_json(), ensure_ascii=False, indent=1))
        return
    if answer.answer.strip() != shown.strip():  # the LLM failed midway: show what replaced it
        click.echo(("\n\n" if shown else "") + answer.answer, nl=False)
    click.echo()
    if answer.notice:
        click.echo(f"\nNote: {answer.notice}", err=True)
    if answer.sources:
        click.echo(f"\nSources ({answer.backend}):")
        for s in answer.sources:
            where = f"  [{s.session}]" if len(assistant.sessions) > 1 else ""
            click.echo(f"  #{s.board:<5} {s.kind:<9} {s.title}  (score {s.score:.2f}){where}")


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

    click.echo(f"Serving {len(assistant.cards)} posters on http://{host}:{port} "
               "(Ctrl-C to stop)", err=True)
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
              show_default=True, help="Posters to include at most.")
@backend_option
@store_option
def summarize(area: str, as_json: bool, max_posters: int, backend: str | None,
              store: Path | None) -> None:
    """Summarize a research AREA across the session, grouped into sub-themes.

    Gathers every poster that clears the relevance bar (up to --max), groups them into 2-6
    sub-themes named by their distinctive terms, and writes each up with citations: an
    extractive digest offline, a paragraph when an LLM is configured.

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
    click.echo(summary.markdown())
    if summary.notice:
        click.echo(f"\nNote: {summary.notice}", err=True)


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
    from assistant.ask import Assistant, QuestionError
    from assistant.store import StoreError
    from assistant.themes import plot_map

    try:
        assistant = Assistant(_settings(store, backend="extractive"), echo=_echo_err)
        theme_map = assistant.index.theme_map
        marked = assistant.ask(highlight).citations if highlight else []
    except (QuestionError, StoreError) as err:
        _fail(str(err))
    if theme_map is None:
        _fail("this store has no session map yet; run `posters ingest --rebuild`")
    import numpy as np

    index = {b: i for i, b in enumerate(theme_map.boards)}
    names = [t["label"] for t in theme_map.themes]
    session = ", ".join(sorted({c["session"] for c in assistant.cards}))
    plot_map(np.array(theme_map.coords), np.array(theme_map.labels), names, out,
             highlight=[index[b] for b in marked if b in index],
             title=f"{session}: {len(theme_map.boards)} posters in {len(names)} themes")
    click.echo(f"Wrote {out}")


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
@store_option
def evaluate(testset: Path | None, retriever: str, compare: bool, backend: str, k: int | None,
             out: Path, store: Path | None) -> None:
    """Score the answers on a test set: retrieval, citations, abstention, latency.

    Every question goes through the same path as `posters ask`. Metric definitions are in
    eval/README.md.
    """
    from assistant.ask import Assistant
    from assistant.store import StoreError
    from eval.harness import RETRIEVERS, metrics_table, run_testset, write_outputs
    from eval.testset import DEFAULT_TESTSET, TestsetError, load_testset

    path = testset or DEFAULT_TESTSET
    try:
        rows = load_testset(path)
        assistant = Assistant(_settings(store, backend=backend), echo=_echo_err)
    except (TestsetError, StoreError) as err:
        _fail(str(err))
    names = [retriever] + ([r for r in RETRIEVERS if r != retriever] if compare else [])
    runs = {name: run_testset(assistant, rows, name, k) for name in names}
    config = {"testset": str(path), "backend": assistant.backend_label,
              "k": k or assistant.settings.top_k,
              "embed_model": assistant.settings.embed_model}
    metrics = write_outputs(out, retriever, runs, rows, config)
    click.echo(metrics_table({**metrics["by_kind"], "overall": metrics["overall"]}))
    click.echo(f"\nWrote {out / 'metrics.json'}, {out / 'report.md'} and {out / 'plot.png'}")


def main() -> None:
    cli(prog_name="posters")


if __name__ == "__main__":
    main()
