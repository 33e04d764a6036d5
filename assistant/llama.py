"""llama-index objects over the store: a retriever and a chat engine that cite boards.

    from assistant import open_assistant
    from assistant.llama import PosterChatEngine, PosterRetriever

    posters = open_assistant()
    retriever = PosterRetriever(posters, similarity_top_k=10, kinds=["oral"])
    for hit in retriever.retrieve("diffusion models"):
        print(hit.node.metadata["board"], hit.score, hit.node.metadata["abstained"])

    engine = PosterChatEngine(posters)          # or PosterChatEngine(posters, llm=any_llm)
    print(engine.chat("Is anyone using diffusion to design drug molecules?"))
    print(engine.chat("which of those are spotlights?"))     # a follow-up

Both go through the assistant's own path (understanding, hybrid search, the abstention
evidence, the citation guard), so their rankings are exactly what `posters eval` scores and
every `[#N]` in a chat answer is a poster given for that turn.
"""

from __future__ import annotations

import asyncio
import copy
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from llama_index.core.base.llms.types import ChatMessage, ChatResponse, MessageRole
from llama_index.core.base.response.schema import Response
from llama_index.core.chat_engine.types import (
    AgentChatResponse,
    BaseChatEngine,
    StreamingAgentChatResponse,
)
from llama_index.core.llms import LLM
from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode
from llama_index.core.tools import ToolOutput
from llama_index.core.vector_stores.types import FilterOperator, MetadataFilters

from assistant.answer import Answer
from assistant.api import Posters, poster_filter
from assistant.ask import Assistant
from assistant.followup import Turn
from assistant.llm import LLMError
from assistant.poster import Poster
from assistant.retrieve import PosterFilter

# Per query, not per poster: kept out of the text an embedder or LLM sees.
EVIDENCE_KEYS = ("abstained", "intent", "top_cosine", "top_bm25", "coverage", "cited",
                 "cosine", "bm25")


def _engine(source: Posters | Assistant) -> Assistant:
    return source.assistant if isinstance(source, Posters) else source


def filter_from(filters: MetadataFilters | None, where: PosterFilter) -> PosterFilter:
    """llama-index metadata filters on `kind`, `board` and `session` as a PosterFilter (AND
    only); any other key or operator is refused, naming it."""
    if filters is None:
        return where
    values: dict[str, Any] = {}
    for f in filters.filters:
        if isinstance(f, MetadataFilters) or (filters.condition or "and") != "and":
            raise ValueError("only a flat AND of filters on kind, board and session is "
                             "supported")
        op, key = f.operator, f.key
        if key == "kind" and op in (FilterOperator.EQ, FilterOperator.IN):
            values["kinds"] = [f.value] if op == FilterOperator.EQ else list(f.value)
        elif key == "board" and op in (FilterOperator.GTE, FilterOperator.GT):
            values["board_min"] = int(f.value) + (op == FilterOperator.GT)
        elif key == "board" and op in (FilterOperator.LTE, FilterOperator.LT):
            values["board_max"] = int(f.value) - (op == FilterOperator.LT)
        elif key == "board" and op == FilterOperator.EQ:
            values["board_min"] = values["board_max"] = int(f.value)
        elif key == "session" and op == FilterOperator.EQ:
            values["session"] = str(f.value)
        else:
            raise ValueError(f"filter {key} {op.value} {f.value!r}: supported are kind (==, "
                             "in), board (==, >, >=, <, <=) and session (==)")
    extra = poster_filter(**values)
    return PosterFilter(**{name: getattr(extra, name) if getattr(extra, name) is not None
                           else getattr(where, name) for name in where.__dataclass_fields__})


class PosterRetriever(BaseRetriever):
    """Posters for a query, ranked as the assistant ranks them (hybrid dense + BM25 by default,
    filters applied before ranking; a board, title or author named in the query is looked up
    exactly). One node per poster: its title and abstract, id `{session}:{board}`, metadata
    board, session, kind, award, title, authors, and the abstention evidence: `abstained`
    (the assistant would answer "not covered"), `top_cosine`, `top_bm25`, `coverage`, `intent`,
    and per poster `cited` (relevant enough to cite), `cosine`, `bm25`.

    `empty_when_abstaining=True` returns no nodes when the evidence says abstain (for a RAG
    pipeline); the default returns the ranking anyway, as `posters eval` scores it."""

    def __init__(self, posters: Posters | Assistant, similarity_top_k: int = 10,
                 mode: str = "hybrid", kinds: Sequence[str] | None = None,
                 board_min: int | None = None, board_max: int | None = None,
                 session: str | None = None, filters: MetadataFilters | None = None,
                 empty_when_abstaining: bool = False, **kwargs: Any) -> None:
        if mode not in ("hybrid", "dense", "bm25"):
            raise ValueError(f"mode {mode!r}: pass hybrid, dense or bm25")
        self._assistant = _engine(posters)
        self._top_k = similarity_top_k
        self._mode = mode
        self._where = filter_from(filters, poster_filter(kinds, board_min, board_max, session))
        self._empty_when_abstaining = empty_when_abstaining
        super().__init__(**kwargs)

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        from assistant.understand import strip_frame

        # Retrieval never calls an LLM: the extractive path ranks exactly as eval scores it.
        self._assistant.follow_store()  # a newer generation is opened once, not per query
        engine = copy.copy(self._assistant)
        engine.llm = None
        question = query_bundle.query_str
        answer = engine.ask(question, k=self._top_k, where=self._where, retriever=self._mode)
        plan = answer.plan
        topic = (plan.topic if plan is not None else "") or strip_frame(question)
        where = engine.plan_filter(plan, self._where) if plan is not None else self._where
        candidates = {c.key: c for c in engine.candidates(topic, where, self._mode)}
        evidence = engine.evidence(topic, list(candidates.values()))
        if answer.abstained and self._empty_when_abstaining:
            return []
        query_level = {"abstained": answer.abstained,
                       "intent": plan.intent if plan is not None else "",
                       "top_cosine": round(evidence.top_cosine, 4),
                       "top_bm25": round(evidence.top_bm25, 4),
                       "coverage": round(evidence.coverage, 4)}
        hits = []
        for board in answer.retrieved[:self._top_k]:
            card = engine.index.by_board.get(board)
            if card is None:
                continue
            found = candidates.get(card.key)  # `board` may be a ref ("S3 #812"), not a key
            hits.append(NodeWithScore(node=poster_node(card, {
                **query_level, "cited": board in answer.citations,
                "cosine": round(found.cosine, 4) if found else 0.0,
                "bm25": round(found.bm25, 4) if found else 0.0}),
                score=round(found.fused, 6) if found else 1.0))
        return hits


def poster_node(card: Poster, extra: dict | None = None) -> TextNode:
    metadata = card.as_json()  # all but the abstract, the node's text
    del metadata["abstract"]
    return TextNode(id_=str(card.key), text=f"{card.title}\n\n{card.abstract}",
                    metadata={**metadata, **(extra or {})},
                    excluded_embed_metadata_keys=[*EVIDENCE_KEYS, "session"],
                    excluded_llm_metadata_keys=list(EVIDENCE_KEYS))


class LlamaIndexBackend:
    """A llama-index LLM in the place of the assistant's OpenAI client: the same prompts,
    streamed through the same citation guard, with the extractive answer as the fallback."""

    def __init__(self, llm: LLM) -> None:
        self.llm = llm

    @property
    def label(self) -> str:
        return f"{type(self.llm).__name__} (llama-index)"

    def stream(self, messages: list[dict], response_format: dict | None = None
               ) -> Iterator[str]:
        chat = [ChatMessage(role=m["role"], content=m["content"]) for m in messages]
        try:
            for piece in self.llm.stream_chat(chat):
                if piece.delta:
                    yield piece.delta
        except Exception as err:  # any failure of a foreign LLM: the extractive answer instead
            raise LLMError(f"the llama-index LLM {self.label} failed: {err}") from err

    def complete(self, messages: list[dict], response_format: dict | None = None) -> str:
        return "".join(self.stream(messages)).strip()

    def structured(self, messages: list[dict], name: str, schema: dict) -> str:
        return self.complete(messages)  # the caller validates the reply against the schema


class _Transcript:
    """What `write_response_to_history` writes to: the engine's own history."""

    def __init__(self, engine: PosterChatEngine) -> None:
        self.engine = engine

    def put(self, message: ChatMessage) -> None:
        self.engine._messages.append(message)

    async def aput(self, message: ChatMessage) -> None:
        self.put(message)


class PosterChatEngine(BaseChatEngine):
    """A chat over the posters: follow-ups read the previous answer's plan and results, and
    every answer passes the citation guard (a `[#N]` the posters of that turn do not hold is
    removed and reported in the response's metadata). Without `llm` the assistant answers as
    configured (extractive offline); with a llama-index `llm` that model writes the answers.

    `response.metadata` (and `last_answer`) is the answer as `posters ask --json` prints it;
    `source_nodes` are the posters it cites. A `stream_chat` turn is recorded even if its
    stream is never read (a thread drains it)."""

    def __init__(self, posters: Posters | Assistant, llm: LLM | None = None,
                 kinds: Sequence[str] | None = None, board_min: int | None = None,
                 board_max: int | None = None, session: str | None = None,
                 k: int | None = None) -> None:
        engine = copy.copy(_engine(posters))
        if llm is not None:
            engine.llm = LlamaIndexBackend(llm)
        self._assistant = engine
        self._where = poster_filter(kinds, board_min, board_max, session)
        self._k = k
        self._messages: list[ChatMessage] = []
        self._answers: list[dict] = []
        self._lock = threading.Lock()  # one turn at a time: each follows the one before

    @property
    def chat_history(self) -> list[ChatMessage]:
        return list(self._messages)

    @property
    def last_answer(self) -> dict | None:
        return self._answers[-1] if self._answers else None

    def reset(self) -> None:
        with self._lock:
            self._messages.clear()
            self._answers.clear()

    def _previous(self, chat_history: list[ChatMessage] | None) -> Turn | None:
        if chat_history is None:
            return Turn.from_json(self._answers[-1]) if self._answers else None
        # A history passed in: the last question and answer as a reader sees them.
        asked = [m for m in chat_history if m.role == MessageRole.USER]
        said = [m for m in chat_history if m.role == MessageRole.ASSISTANT]
        if not asked or not said:
            return None
        return Turn.from_answer(asked[-1].content or "", said[-1].content or "")

    def _turn(self, message: str, chat_history: list[ChatMessage] | None
              ) -> Iterator[str | Answer]:
        from assistant.ask import clean_question

        clean_question(message)  # an empty question fails here, before anything streams
        previous = self._previous(chat_history)
        return self._assistant.ask_stream(message, k=self._k, where=self._where,
                                          previous=previous)

    def _record(self, answer: Answer) -> None:
        self._answers.append(answer.to_json())

    def _sources(self, answer: Answer) -> tuple[list[ToolOutput], list[NodeWithScore]]:
        by_board = self._assistant.index.by_board
        scores = {s.cited_as(): s.score for s in answer.sources}
        nodes = [NodeWithScore(node=poster_node(by_board[b]), score=scores.get(b))
                 for b in answer.citations if b in by_board]
        output = ToolOutput(content=answer.answer, tool_name="posters", raw_input={
            "question": answer.question}, raw_output=Response(answer.answer, nodes))
        return [output], nodes

    def chat(self, message: str, chat_history: list[ChatMessage] | None = None
             ) -> AgentChatResponse:
        with self._lock:
            *_, answer = self._turn(message, chat_history)
            self._messages += [ChatMessage(role=MessageRole.USER, content=message),
                               ChatMessage(role=MessageRole.ASSISTANT, content=answer.answer)]
            self._record(answer)
        sources, nodes = self._sources(answer)
        return AgentChatResponse(response=answer.answer, sources=sources, source_nodes=nodes,
                                 metadata=self._answers[-1])

    def _deltas(self, message: str, chat_history: list[ChatMessage] | None,
                response: StreamingAgentChatResponse) -> Iterator[ChatResponse]:
        """The answer's pieces as llama-index chat responses; the turn is recorded at the end
        (the final answer is authoritative: if the LLM failed midway, it follows)."""
        try:
            shown = ""
            for event in self._turn(message, chat_history):
                if isinstance(event, Answer):
                    answer = event
                    break
                shown += event
                yield ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT,
                                                       content=shown), delta=event)
            if answer.answer.strip() != shown.strip():  # as `posters ask` shows a fallback
                extra = ("\n\n" if shown else "") + answer.answer
                shown += extra
                yield ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT,
                                                       content=shown), delta=extra)
            # The reply itself is appended next, by `write_response_to_history`.
            self._messages.append(ChatMessage(role=MessageRole.USER, content=message))
            self._record(answer)
            _sources, nodes = self._sources(answer)
            response.source_nodes.extend(nodes)
            response.sources.extend(_sources)
        finally:
            self._lock.release()

    def _streaming(self, message: str, chat_history: list[ChatMessage] | None,
                   asynchronous: bool) -> StreamingAgentChatResponse:
        self._lock.acquire()  # released when the stream ends (in `_deltas`)
        try:
            from assistant.ask import clean_question

            clean_question(message)
        except Exception:
            self._lock.release()
            raise
        response = StreamingAgentChatResponse()
        deltas = self._deltas(message, chat_history, response)
        if asynchronous:
            response.achat_stream = _in_thread(deltas)
            return response
        response.chat_stream = deltas
        # The stream is drained on a thread, so the turn is kept even if no one reads it.
        thread = threading.Thread(target=response.write_response_to_history,
                                  args=(_Transcript(self),), daemon=True)
        response.write_response_to_history_thread = thread
        thread.start()
        return response

    def stream_chat(self, message: str, chat_history: list[ChatMessage] | None = None
                    ) -> StreamingAgentChatResponse:
        return self._streaming(message, chat_history, asynchronous=False)

    async def achat(self, message: str, chat_history: list[ChatMessage] | None = None
                    ) -> AgentChatResponse:
        return await asyncio.to_thread(self.chat, message, chat_history)

    async def astream_chat(self, message: str, chat_history: list[ChatMessage] | None = None
                           ) -> StreamingAgentChatResponse:
        response = await asyncio.to_thread(self._streaming, message, chat_history, True)
        response.awrite_response_to_history_task = asyncio.create_task(
            response.awrite_response_to_history(_Transcript(self)))
        return response


async def _in_thread(pieces: Iterator[ChatResponse]):
    """A blocking generator read on a worker thread, as an async generator."""
    end = object()
    while (piece := await asyncio.to_thread(next, pieces, end)) is not end:
        yield piece
