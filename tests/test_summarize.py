"""Area summaries and the session overview: the rules on small inputs, a store of 60 posters
built with the hash embedder, and the real store (slow)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from click.testing import CliRunner

from assistant.citations import guard_citations
from assistant.poster import Poster, PosterKey
from assistant.settings import Settings
from assistant.summarize import (
    AreaBars,
    Corpus,
    Naming,
    Said,
    acronyms,
    area_evidence,
    area_members,
    board_ranges,
    corpus_of,
    definitions,
    key_uses,
    learned_names,
    namings,
    offline_overview,
    other_sense,
    overview_line,
    stands_for,
    summarize,
    summary_answer,
)
from assistant.themes import carries
from eval.metrics import summary_precision, summary_recall
from eval.testset import DEFAULT_TESTSET, load_testset
from tests.conftest import FAKE_MODEL, poster, write_session

CITATION = re.compile(r"\[#(\d+)\]")


def test_board_ranges_never_span_a_board_not_listed():
    # The old ranges joined boards up to 3 apart: "#526–#531" for 526, 529, 531.
    assert board_ranges([526, 529, 531]) == "#526, #529, #531"
    assert board_ranges([512, 101, 102, 103, 903]) == "#101–#103, #512, #903"


def test_overview_line_counts_every_poster_and_says_how_many_are_shown():
    cards = [poster(b, kind=k) for b, k in [(1, "oral"), (2, "poster"), (4, "spotlight")]]
    assert overview_line(cards) == "3 posters (1 oral, 1 spotlight); boards #1–#2, #4."
    assert overview_line(cards, 2) == \
        "3 posters (1 oral, 1 spotlight); showing 2; boards #1–#2, #4."
    assert overview_line(cards[:1]).startswith("1 poster (1 oral")  # not "1 posters"


def test_the_session_defines_its_acronyms():
    texts = ["We study large language models (LLMs) at scale.",
             "Neural radiance fields (NeRF) render scenes.",
             "A federated averaging (FedAvg) baseline."]
    assert acronyms("large language models", texts) == {"LLM"}
    assert acronyms("neural radiance fields", texts) == {"NeRF"}
    # FedAvg stands for "federated averaging": more than the topic "federated learning"
    assert acronyms("federated learning", texts) == set()


def test_a_topic_is_named_by_its_words_its_phrase_or_its_acronym():
    naming = Naming(keys={"large": 1.4, "language": 1.9},
                    spellings={"large": frozenset({"large"}),
                               "language": frozenset({"language", "languages"})},
                    acronyms=frozenset({"LLM"}),
                    phrases=(("language", "model"), ("large", "language"),
                             ("large", "language", "model")))
    assert naming.read(Said.of("Pretrained language models answer.")) == (True, True, False)
    assert naming.read(Said.of("LLM-based agents plan.")) == (True, True, True)
    # "vision-language" is no "language", and "large" alone is the commoner word
    assert naming.read(Said.of("A vision-language model for large images.")) == \
        (False, False, False)


def small_corpus(texts: list[str]) -> Corpus:
    """A session read as `Corpus.of` reads a store: each text's first sentence its title."""
    titles = [Said.of(t.split(". ")[0]) for t in texts]
    sentences = [[Said.of(s) for s in t.split(". ")[1:]] or [Said.of(t)] for t in texts]
    df: dict[str, int] = {}
    for title, said in zip(titles, sentences, strict=True):
        for term in title.stems.union(*(s.stems for s in said)):
            df[term] = df.get(term, 0) + 1
    return Corpus([PosterKey("s", i) for i in range(len(texts))], np.zeros((len(texts), 2)), texts,
                  titles, sentences, df, [definitions(t) for t in texts])


FILLER = [f"Kernel methods {i}. We study kernels and their spectra." for i in range(6)]


def test_common_words_name_an_area_only_standing_together():
    # "large" and "language" are each in many posters of other areas (sign language, large
    # graphs): alone they no longer name large language models, together they do.
    corpus = small_corpus([
        "Prompting large language models. We prompt large language models (LLMs) to plan.",
        "Sign language recognition. A large dataset of sign language videos.",
        "Learning on large graphs. We train on large graphs in segments.",
        "Language models as agents. Pretrained language models plan.",
        "Large margins. Large margin classifiers.", *FILLER])
    llm = namings("large language models", corpus)[0]
    assert llm.read(Said.of("A large dataset of sign language videos."))[0] is False
    assert llm.read(Said.of("Training on large graphs of languages."))[0] is False
    assert llm.read(Said.of("We prompt large language models."))[0] is True
    assert llm.read(Said.of("Pretrained language models answer."))[0] is True
    assert llm.read(Said.of("LLMs follow instructions."))[0] is True
    # "graph networks" names graph neural networks; graphs without networks do not
    graphs = small_corpus(["Graph neural networks. Graph neural networks (GNNs) pass messages.",
                           "Similarity graphs. We approximate graphs by kernel density.",
                           "Neural fields. Neural networks fit scenes.", *FILLER])
    gnn = namings("graph neural networks", graphs)[0]
    assert gnn.read(Said.of("We approximate similarity graphs by kernel density."))[0] is False
    assert gnn.read(Said.of("Temporal graph networks aggregate neighbours."))[0] is True
    # Only where the session puts them together: a session of vision posters says "3D" and
    # "vision" often but never "3D vision", and there its words alone name the area.
    vision = small_corpus(["Unified 3D detection. A 3D detection transformer for point clouds.",
                           "Vision foundation models. Vision models label scenes.",
                           "Monocular 3D detection. We detect objects in 3D from images.",
                           "Vision transformers. Vision transformers scale.", *FILLER[:4]])
    said = area_evidence(vision, list(range(len(vision.keys))), "3D vision", np.ones(2))
    assert said[0, 0] == 1 and said[2, 0] == 1  # the 3D detection titles name it


def test_a_generation_area_is_named_where_its_object_is_generated():
    # "generated" is in code generated by ChatGPT and in AI-generated text; a poster is about
    # image generation where images are generated ("generating images", "text-to-image
    # generation"), and about molecule generation only where molecules are generated.
    corpus = small_corpus([
        "Text-to-image generation. Diffusion models generate images from prompts.",
        "Code generated by ChatGPT. We evaluate generated code and generated tests.",
        "Detecting AI-generated texts. Generated text is hard to detect.",
        "Image classification. We classify images with image transformers.",
        "Molecule property prediction. Molecules as graphs with equivariant networks.",
        "Generative models. We generate samples with generative models.",
        "Causal effect estimation. We estimate causal effects from observational data.",
        "Variational inference. Inference by generated samples.", *FILLER])
    image = namings("image generation", corpus)[0]
    assert image.read(Said.of("Is your code generated by ChatGPT really correct?"))[0] is False
    assert image.read(Said.of("We focus on generating images with visual text."))[0] is True
    assert image.read(Said.of("Text-to-image generation with diffusion models."))[0] is True
    # the text of a text-to-image model is what it is given, not what it generates
    text = namings("text generation", corpus)[0]
    assert text.read(Said.of("Text-to-image generation with diffusion models."))[0] is False
    molecule = namings("molecule generation", corpus)[0]
    assert molecule.read(Said.of("Molecule property prediction with networks."))[0] is False
    assert molecule.read(Said.of("We generate drug-like molecules."))[0] is True
    # an adjective's area is named by it alone: causal effect estimation is causal inference
    causal = namings("causal inference", corpus)[0]
    assert causal.read(Said.of("Causal effect estimation from observational data."))[0]


def test_a_poster_far_from_the_area_is_left_out_even_when_it_says_its_word():
    rng = np.random.default_rng(0)
    core = rng.normal(size=16)
    other = rng.normal(size=16)
    other -= (other @ core) / (core @ core) * core  # about something else entirely
    near = [core + 0.2 * rng.normal(size=16) for _ in range(6)]
    vectors = np.array([*near, other])  # the last one says "diffusion" about graphs
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    # title, title phrase, sentences (words, phrase, all words), first, contribution, related,
    # first and contribution by phrase, sentences
    said = np.array([[1, 1, 3, 3, 3, 1, 1, 0, 1, 1, 6]] * 6 + [[1, 0, 3, 0, 3, 1, 1, 0, 0, 0, 6]],
                    dtype=float)
    kept = [row for row, _ in area_members(vectors, core, said, AreaBars())]
    assert sorted(kept) == [0, 1, 2, 3, 4, 5]


def test_a_compound_spells_its_first_word_only_when_it_qualifies_it():
    words = ["large", "larger", "large-scale", "graph", "graph-level", "graph-bas", "transport",
             "transport-bas", "transport-map", "vision-language"]
    corpus = Corpus([], np.zeros((0, 2)), [], [], [], dict.fromkeys(words, 1), [])
    # "Large-Scale Gaussian Graphical Models" is no large language model poster; words are
    # stems as the session's df holds them ("graph-based" is "graph-bas")
    assert corpus.spellings("large") == {"large", "larger"}
    assert corpus.spellings("graph") == {"graph", "graph-level", "graph-bas"}
    assert corpus.spellings("transport") == {"transport", "transport-bas"}


def test_a_longer_word_in_another_sense_does_not_spell_the_key():
    # "graph" is no "graphical" (Gaussian graphical models were in graph neural networks),
    # "image" no "ImageNet"; a word's own endings still count: molecul-ar, adversarial-ly.
    words = ["graph", "graphical", "graphic", "graph-level", "image", "imagenet", "molecul",
             "molecular", "adversarial", "adversarially", "large", "larger", "largely"]
    corpus = Corpus([], np.zeros((0, 2)), [], [], [], dict.fromkeys(words, 1), [])
    assert corpus.spellings("graph") == {"graph", "graph-level"}
    assert corpus.spellings("image") == {"image"}
    assert corpus.spellings("molecul") == {"molecul", "molecular"}
    assert corpus.spellings("adversarial") == {"adversarial", "adversarially"}
    assert corpus.spellings("large") == {"large", "larger"}


def test_a_topic_of_one_word_is_named_as_a_unit_by_that_word():
    # "Self-supervised Object-Centric Learning" names self-supervised learning as plainly as
    # "self-supervised learning" does; a topic of two words still needs them together.
    corpus = Corpus([f"s:{i}" for i in range(20)], np.zeros((0, 2)), [], [], [],
                    dict.fromkeys(["self-supervis", "learn", "object-centric", "graph",
                                   "neural"], 1), [])
    one = namings("self-supervised learning", corpus)[0]
    assert one.read(Said.of("Self-supervised Object-Centric Learning for Videos")) == \
        (True, True, True)
    two = namings("graph neural networks", corpus)[0]
    assert two.read(Said.of("Neural fields on a graph"))[1] is False


def test_a_poster_among_posters_about_something_else_is_left_out():
    # Two groups of posters; the area's group names it in its titles, the other does not. A
    # poster of the other group that names the area in passing ("graph" in a poster about
    # kernels) sits among posters about something else, however well its words match.
    rng = np.random.default_rng(3)
    area, other = rng.normal(size=32), rng.normal(size=32)
    group = [area + 0.3 * rng.normal(size=32) for _ in range(14)]
    elsewhere = [other + 0.3 * rng.normal(size=32) for _ in range(14)]
    between = 0.35 * area + 0.65 * other + 0.3 * rng.normal(size=32)
    vectors = np.array([*group, *elsewhere, between])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    naming = [1, 1, 2, 2, 2, 1, 1, 0, 1, 1, 6]
    said = np.array([naming] * 14 + [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6]] * 14 +
                    [[1, 0, 1, 0, 1, 1, 1, 0, 0, 0, 6]], dtype=float)
    kept = [row for row, _ in area_members(vectors, area, said, AreaBars())]
    assert sorted(kept) == list(range(14))


def test_a_stem_cut_from_an_ation_word_does_not_spell_another_word():
    # "generation" stems to "gener": generated, generative and generator are its family, but
    # "general" and "generalization" are other words: "code generation" took in a poster on
    # domain generalization, "image generation" thirteen such posters.
    words = ["code", "gener", "generat", "generative", "general", "generaliz", "optimiz",
             "optimize", "optimizer"]
    corpus = Corpus([f"s:{i}" for i in range(20)], np.zeros((0, 2)), [], [], [],
                    dict.fromkeys(words, 1), [])
    naming = namings("code generation", corpus)[0]
    assert naming.spellings["gener"] == {"gener", "generat", "generative"}
    assert naming.read(Said.of("Continual domain generalization over temporal drift.")) == \
        (False, False, False)
    assert naming.read(Said.of("Programs generated from instructions.")) == (True, False, False)
    # a stem that is not cut from such a word keeps its longer forms
    assert namings("optimizing", corpus)[0].spellings["optimiz"] == \
        {"optimiz", "optimize", "optimizer"}


def test_a_close_poster_that_never_names_the_area_is_left_out():
    # Spiking neural networks sit next to neural recordings and spike cameras: close in
    # embedding, but a poster that names the area nowhere is not about it.
    rng = np.random.default_rng(1)
    core = rng.normal(size=16)
    vectors = np.array([core + 0.1 * rng.normal(size=16) for _ in range(7)])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    said = np.array([[1, 1, 3, 3, 3, 1, 1, 0, 1, 1, 6]] * 6 + [[0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 6]],
                    dtype=float)
    kept = [row for row, _ in area_members(vectors, core, said, AreaBars())]
    assert sorted(kept) == [0, 1, 2, 3, 4, 5]


def worded_otherwise(name: str) -> tuple[Corpus, np.ndarray]:
    """Twelve posters on the brain, close to each other and to the question, and eight on
    kernels far away. The first poster says "neuroscience" in a sentence (`name` "said"), in
    its title ("title") or not at all ("never")."""
    brain = [f"Cortex model {i}. We record neural activity in the brain. Neurons in the cortex "
             f"fire." for i in range(12)]
    if name == "said":
        brain[0] += " A tool for neuroscience."
    elif name == "title":
        brain[0] = "Neuroscience of the cortex. We record neural activity in the brain."
    corpus = small_corpus(brain + [f"Kernels {i}. We study kernel spectra." for i in range(8)])
    rng = np.random.default_rng(0)
    here, there = np.eye(8)[0], np.eye(8)[1]
    vectors = np.array([here + 0.2 * rng.normal(size=8) for _ in range(12)]
                       + [there + 0.2 * rng.normal(size=8) for _ in range(8)])
    corpus.vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    return corpus, here


def test_an_area_the_session_words_otherwise_is_named_by_its_posters_words():
    # Near "neuroscience" one poster says it, no title does: the words its closest posters
    # share (brain, cortex, neurons) are its names there, and all its posters say the area.
    corpus, query = worded_otherwise("said")
    rows = list(range(len(corpus.keys)))
    said = area_evidence(corpus, rows, "neuroscience", query)
    assert (said[:12, 2] > 0).all() and not said[12:, :5].any()
    # Where a title near the area names it, its name is how the session says it: the words
    # its posters share are not taken for its names (they are often the wider field's).
    # Where no poster near it says it at all, they may only look like it: none either.
    for name, named in [("title", [0]), ("never", [])]:
        corpus, query = worded_otherwise(name)
        plain = area_evidence(corpus, rows, "neuroscience", query)
        assert learned_names(corpus, rows, plain, query, namings("neuroscience", corpus)) == []
        assert list(np.flatnonzero(plain[:, :5].any(axis=1))) == named


def sub_field() -> tuple[Corpus, np.ndarray]:
    """A session with 3D posters close to the question "3D vision" (eight say 3D, two on
    radiance fields never do), eight vision-transformer posters far from it, and enough
    kernel posters that neither word is common."""
    texts = ([f"3D scene reconstruction {i}. We reconstruct 3D scenes from multi-view "
              f"captures. Scene rendering is fast." for i in range(8)]
             + [f"Radiance fields {i}. We render scenes from multi-view captures."
                for i in range(2)]
             + [f"Vision transformers {i}. Vision transformers classify pictures for "
                f"computer vision." for i in range(8)]
             + [f"Kernels {i}. We study kernel spectra." for i in range(80)])
    corpus = small_corpus(texts)
    rng = np.random.default_rng(0)
    here, there, far = np.eye(8)[0], np.eye(8)[1], np.eye(8)[2]
    vectors = np.array([here + 0.2 * rng.normal(size=8) for _ in range(10)]
                       + [there + 0.2 * rng.normal(size=8) for _ in range(8)]
                       + [far + 0.2 * rng.normal(size=8) for _ in range(80)])
    corpus.vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    return corpus, here


def test_a_word_of_the_wider_field_alone_does_not_name_a_sub_field():
    # "3D vision" is the part of vision that is 3D: posters saying "vision" without "3D"
    # (vision transformers) sit far from it and are not named by it; the 3D posters are, and
    # so are the radiance-field posters that never say 3D but share the area's words (scenes,
    # rendering, multi-view).
    # "3D computer vision" is named by "3D" alone too: the wider field's words weigh nothing.
    corpus, query = sub_field()
    rows = list(range(len(corpus.keys)))
    for area in ["3D vision", "3D computer vision"]:
        said = area_evidence(corpus, rows, area, query)
        named = said[:, :5].any(axis=1)
        assert named[:8].all() and (said[:8, 0] == 1).all(), area
        assert not named[10:18].any(), area  # vision transformers
        assert named[8:10].all(), area  # radiance fields
        kept = {row for row, _ in area_members(corpus.vectors, query, said)}
        assert set(range(10)) <= kept and not kept & set(range(10, len(rows))), area


def test_an_acronym_a_poster_defines_as_something_else_does_not_name_the_area():
    naming = Naming(keys={"diffusion": 2.2}, spellings={"diffusion": frozenset({"diffusion"})},
                    acronyms=frozenset({"DM"}), phrases=(("diffusion", "model"),),
                    stands_for=stands_for("diffusion models"))
    sentence = Said.of("We preserve distances in DM for directed graphs.")
    assert naming.read(sentence) == (True, True, True)
    other = naming.in_poster(definitions("As a nonlinear dimension reduction technique, the "
                                         "diffusion map (DM) has been widely used."))
    assert other.read(sentence) == (False, False, False)
    own = naming.in_poster(definitions("Diffusion models (DMs) generate images."))
    assert own.read(sentence) == (True, True, True)


def test_the_sense_of_an_area_word_is_read_from_the_noun_it_qualifies():
    spellings, area, nouns = frozenset({"diffusion"}), frozenset({"model"}), frozenset(
        {"diffusion", "diffusions"})

    def uses(text: str) -> list[str]:
        return key_uses(Said.of(text), spellings, area, nouns)

    # the area itself: with its own word, a qualifying tail, ending its phrase
    assert uses("Denoising diffusion probabilistic models.") == [""]
    assert uses("A diffusion-based augmentation with diffusion.") == ["", ""]
    assert uses("The diffusion of information spreads.") == [""]
    # the word qualifying a noun of its own, or qualified by one (it counts for the area
    # where two other posters of the area say it so)
    assert uses("Continuous graph diffusion functionals and the diffusion map.") == [
        "functional", "map"]
    assert uses("We combine latent diffusion, object detection.") == ["<latent"]
    # the word qualifying it where it heads its phrase, unless it is one of the area's
    speech = key_uses(Said.of("Image enhancement and speech enhancement (SE)."),
                      frozenset({"enhancement"}), frozenset({"image", "video"}),
                      frozenset({"enhancement", "enhancements"}))
    assert speech == ["", "<speech"]
    # a verb of the same stem is no use of the area's noun
    assert key_uses(Said.of("It imitates expert policies."), frozenset({"imit"}),
                    frozenset({"learn"}), frozenset({"imitation", "imitations"})) == []


def test_an_area_named_by_its_head_word_is_spoken_of_where_that_word_qualifies_a_noun():
    # "brain": "brain regions" and "the mouse brain" are about the brain, so a poster that
    # says only these is in the area; "speech enhancement" is still another enhancement.
    corpus = small_corpus(
        [f"Brains {i}. We record the brain. Brain activity and the brain state." for i in range(4)]
        + ["Information decomposition. Neurons across brain regions. Several brain regions "
           "carry it. Brain regions of the mouse brain.", *FILLER])
    rows = list(range(len(corpus.keys)))
    said = area_evidence(corpus, rows, "brain", np.ones(2))
    assert said[4, :5].any()
    speech = key_uses(Said.of("Enhancement performance and speech enhancement (SE)."),
                      frozenset({"enhancement"}), frozenset({"image"}),
                      frozenset({"enhancement", "enhancements"}), head=True)
    assert speech == ["", "<speech"]


def test_a_poster_using_the_area_word_in_another_sense_does_not_name_it():
    # Five posters on diffusion models (and diffusion processes); one on graph diffusion
    # functionals; one that defines the diffusion map (DM) and says "diffusion process" too.
    texts = [f"Diffusion models {i}. We sample from diffusion models by a diffusion process."
             for i in range(5)]
    texts += ["Graph diffusion functionals. We study graph diffusion patterns.",
              "Diffusion representation. The diffusion map (DM) is used. A diffusion process."]
    corpus = small_corpus(texts)
    rows = list(range(len(texts)))
    query = corpus.vectors[:5].mean(axis=0)
    said = area_evidence(corpus, rows, "diffusion models", query)
    assert said[:5, :5].all(axis=1).all() and not said[5:, :5].any()
    naming = namings("diffusion models", corpus)
    plain = np.ones((len(texts), 11))
    assert list(np.flatnonzero(other_sense(corpus, rows, plain, naming, "diffusion models"))
                ) == [5, 6]


def test_the_offline_overview_has_one_sentence_per_sub_theme_citing_its_posters():
    def card(board: int, abstract: str) -> Poster:
        return poster(board, abstract, title=f"Poster {board}")

    themes = [("fast sampling", [card(531, "We propose fewer solver steps for sampling."),
                                 card(545, "We introduce a distillation of the sampler."),
                                 card(538, "We present a new ODE solver."),
                                 card(600, "We study score-based models in Hilbert spaces.")]),
              ("image editing", [card(536, "We propose dynamic prompt learning for editing.")])]
    text = offline_overview("diffusion models", 5, themes)
    lines = text.splitlines()
    assert lines[0] == ("5 posters on diffusion models in 2 sub-themes: fast sampling (4), "
                        "image editing (1).")
    assert lines[1] == ("- Four posters on fast sampling: fewer solver steps for sampling "
                        "[#531]; a distillation of the sampler [#545]; a new ODE solver "
                        "[#538], and 1 more.")
    assert lines[2] == "- One poster on image editing: dynamic prompt learning for editing [#536]."
    assert guard_citations(text, [531, 545, 538, 536]).dropped == []


@pytest.fixture(scope="module")
def hash_assistant(tmp_path_factory, bundled):
    """60 posters of the bundled session in a store built with the hash embedder."""
    from assistant.ask import Assistant
    from assistant.embedding import HashEmbedding
    from ingest.build import ingest
    from ingest.parse import Session

    folder = tmp_path_factory.mktemp("summaries")
    page = write_session(folder / "page.txt", Session(bundled.name, bundled.location, "sixty",
                                                      bundled.posters[:60]))
    # Bars lowered so the hash embedder (no meaning) never abstains.
    settings = Settings(store=folder / "store", embed_model=FAKE_MODEL, min_relevance=0.0,
                        sure_relevance=0.0)
    embedder = HashEmbedding(FAKE_MODEL, 64)
    ingest([page], settings, embedder, progress=False)
    return Assistant(settings, embedder=embedder)


def posters_text(assistant, boards: list[int]) -> list[str]:
    return [f"{assistant.index.by_board[b].title}. {assistant.index.by_board[b].abstract}"
            .lower() for b in boards]


def test_a_summary_counts_every_poster_and_shows_at_most_max(hash_assistant):
    summary = summarize(hash_assistant, "graph neural networks", max_posters=3)
    assert len(summary.boards) > 3 and len(summary.shown) <= 3
    assert f"{len(summary.boards)} posters" in summary.header
    assert f"showing {len(summary.shown)}" in summary.header
    listed = set(summary.boards)
    for run in re.findall(r"#(\d+)–#(\d+)", summary.header):
        assert set(range(int(run[0]), int(run[1]) + 1)) <= listed
    answer = summary_answer(summary, hash_assistant)
    assert set(answer.results) == listed
    cited = {int(b) for b in CITATION.findall(answer.answer)}
    assert cited and cited <= listed and set(answer.citations) == listed
    guarded = answer.guarded()  # as the chat shows it: the header's boards become [#N]
    assert guarded.dropped_citations == []
    for run in re.findall(r"#(\d+)\]?–\[?#(\d+)", guarded.answer):
        assert set(range(int(run[0]), int(run[1]) + 1)) <= listed


def test_sub_theme_names_are_phrases_of_their_posters(hash_assistant):
    summary = summarize(hash_assistant, "3D vision")
    assert len(summary.themes) >= 2
    sizes = [len(t.boards) for t in summary.themes]
    assert sizes == sorted(sizes, reverse=True)
    for theme in summary.themes:
        assert " · " not in theme.label and len(theme.label.split()) >= 2
        texts = posters_text(hash_assistant, theme.boards)
        # A phrase its posters share; when they share none (the hash embedder's groups are
        # loose), the most typical poster's own phrase.
        assert sum(theme.label in text for text in texts) >= min(2, len(texts)) or \
            theme.label in texts[0], theme.label
        assert f"**{theme.label}** ({len(theme.boards)}" in summary.markdown()


def test_within_a_sub_theme_the_posters_its_name_describes_come_first_most_typical_first(
        hash_assistant):
    from assistant.themes import carries

    summary = summarize(hash_assistant, "3D vision")
    corpus = corpus_of(hash_assistant.index)
    row = {hash_assistant.index.cards[k].board: i for i, k in enumerate(corpus.keys)}
    by_board = hash_assistant.index.by_board
    for theme in summary.themes:
        vectors = corpus.vectors[[row[b] for b in theme.boards]]
        centre = vectors.mean(axis=0)
        closeness = vectors @ (centre / np.linalg.norm(centre))
        says = [carries(theme.label, f"{by_board[b].title}. {by_board[b].abstract}")
                for b in theme.boards]
        assert says == sorted(says, reverse=True), theme.label  # those saying it first
        for part in (True, False):
            inside = closeness[[i for i, s in enumerate(says) if s == part]]
            assert np.all(np.diff(inside) <= 1e-9), theme.label


def test_what_is_in_this_session_names_themes_with_counts_and_central_posters(hash_assistant):
    answer = hash_assistant.ask("What's in this session?")
    theme_map = hash_assistant.index.theme_map
    lines = [line for line in answer.answer.splitlines() if line.startswith("- **")]
    assert answer.answer.startswith(f"60 posters in {len(theme_map.themes)} themes")
    assert len(lines) == len(theme_map.themes)
    corpus = corpus_of(hash_assistant.index)
    row = {hash_assistant.index.cards[k].board: i for i, k in enumerate(corpus.keys)}
    for line, theme in zip(lines, theme_map.themes, strict=True):
        name, count = re.match(r"- \*\*(.+?)\*\* — (\d+) posters", line).groups()
        assert int(count) == len(theme["boards"])
        assert f"summarize {name}" in line
        assert " · " not in name
        shown = [int(b) for b in CITATION.findall(line)]
        # the posters shown are the most central of those that say the theme's name (one of
        # its phrases, in any of its words' forms), then (when fewer say it) the most
        # central others
        says = dict(zip(theme["boards"], (carries(name, text) for text in posters_text(
            hash_assistant, theme["boards"])), strict=True))
        vectors = corpus.vectors[[row[b] for b in theme["boards"]]]
        centre = vectors.mean(axis=0)
        closeness = dict(zip(theme["boards"], vectors @ centre, strict=True))
        central = sorted(theme["boards"], key=lambda b: (not says[b], -closeness[b]))
        assert says[shown[0]] and shown == central[:len(shown)], name


# --- the real store ---------------------------------------------------------------------


def test_a_word_qualified_each_time_otherwise_is_the_area_in_passing_words():
    # "new proteins", "related proteins", "stable proteins": adjectives no other poster puts
    # there, yet no term of its own; "protein families" (its singular) speaks of proteins too.
    # Such posters were read as using "proteins" in another sense and left out.
    texts = [f"Proteins {i}. We embed proteins. Proteins fold into structures." for i in range(4)]
    texts += ["A sequence model. We find new proteins. Related proteins fold. Stable proteins.",
              "Protein families. We model protein families of new proteins. Related proteins.",
              "Membrane proteins. We sample membrane proteins. Many membrane proteins.", *FILLER]
    corpus = small_corpus(texts)
    rows = list(range(len(texts)))
    plain = np.ones((len(texts), 11))
    other = other_sense(corpus, rows, plain, namings("proteins", corpus), "proteins")
    assert not other[4:6].any()
    # a term of its own, said again the same way, is still another thing
    assert other[6]


def test_an_adjective_area_word_qualifying_another_noun_keeps_its_sense():
    # "continual domain generalization", said twice by one poster: continual learning of
    # another task, not another sense of "continual" (as "the diffusion map" is of
    # diffusion). The poster was left out of continual learning.
    texts = [f"Continual learning {i}. Continual learning forgets old tasks." for i in range(4)]
    texts += ["Evolving standardization. We study continual domain generalization. Continual "
              "domain generalization under drift.", *FILLER]
    corpus = small_corpus(texts)
    said = area_evidence(corpus, list(range(len(texts))), "continual learning", np.ones(2))
    assert said[4, 2] == 2.0 and not said[5:, :5].any()


def test_a_word_in_another_sense_leaves_the_areas_other_topics_named():
    # "target molecules", said twice and by no other poster, is no use of "molecules"; the
    # poster still names the area's other topic in its title (drug design). It was left out
    # whole.
    texts = [f"Molecules {i}. We embed molecules. Molecules bind proteins." for i in range(4)]
    texts += ["Drug design with agents. Agents propose target molecules. We rank target "
              "molecules.",
              *FILLER]
    corpus = small_corpus(texts)
    said = area_evidence(corpus, list(range(len(texts))), "molecules and drug design",
                         np.ones(2))
    assert said[4, 0] == 1.0  # its title names drug design
    alone = area_evidence(corpus, list(range(len(texts))), "molecules", np.ones(2))
    assert not alone[4, :5].any()  # and it never names molecules in their sense


def test_a_poster_among_the_areas_members_is_in_it_though_it_words_it_otherwise():
    # Ten posters name the area plainly; one sits at their centre and never names it (a
    # speech-language model among LLM posters); one never names it and sits elsewhere.
    rng = np.random.default_rng(0)
    unit = np.eye(3)
    members = unit[0] + 0.1 * rng.standard_normal((10, 3))
    others = unit[1] + 0.1 * rng.standard_normal((20, 3))
    vectors = np.vstack([members, unit[0], others, unit[2]])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    said = np.zeros((len(vectors), 11))
    said[:, 10] = 5.0  # sentences
    said[:10, :10] = [1, 1, 2, 2, 2, 1, 1, 0, 1, 1]
    kept = dict(area_members(vectors, unit[0], said))
    assert set(range(10)) <= set(kept) and 10 in kept
    assert len(vectors) - 1 not in kept and not set(range(11, 31)) & set(kept)


def summary_rows(split: str):
    return [r for r in load_testset(DEFAULT_TESTSET) if r.kind == "summary" and r.split == split]


@pytest.mark.slow
def test_summaries_cover_their_dev_areas(real_assistant):
    from eval.metrics import Scored

    scored = []
    for row in summary_rows("dev"):
        answer = real_assistant.ask(row.question)
        scored.append(Scored(row.id, row.kind, row.gold_boards, False, answer.retrieved,
                             answer.citations, answer.abstained, 0.0, results=answer.results))
    recall = np.mean([summary_recall(s) for s in scored])
    precision = np.mean([summary_precision(s) for s in scored])
    # Measured on dev: recall 0.91, precision 0.75 before a poster's neighbourhood was read
    # (leave-one-area-out then: 0.90, 0.70); 0.92 and 0.88 since (0.91 and 0.85); 0.91 and
    # 0.90 since common words count only standing together.
    assert recall >= 0.9 and precision >= 0.85, (recall, precision)


@pytest.mark.slow
def test_a_word_used_in_another_sense_does_not_bring_a_poster_in(real_assistant):
    # An operator of kernels is no neural operator, combinatorial generalization no
    # combinatorial optimization, a Gaussian graphical model no graph neural network.
    for area, other, kept in [("neural operators", 906, 426),
                              ("machine learning for combinatorial optimization", 919, 1103),
                              ("graph neural networks", 1404, 623)]:
        boards = summarize(real_assistant, area).boards
        assert kept in boards and other not in boards, (area, boards)


@pytest.mark.slow
def test_an_area_of_common_words_is_where_they_stand_together(real_assistant):
    # Sign language (#334) and large graphs (#621) are no large language models; similarity
    # graphs by kernel density (#908) and Gromov-Wasserstein for graph data (#1123) no graph
    # neural networks, "Temporal Revision Graph Networks" (#625) one; code generated by
    # ChatGPT (#321) no image generation, TextDiffuser's "generating images" (#2026) and
    # "Multi-Modal Image Generation" (#612) are.
    for area, out, kept in [("large language models", {334, 621}, {319, 211, 524}),
                            ("graph neural networks", {908, 1123}, {625, 633}),
                            ("image generation", {321, 329}, {612, 2026})]:
        boards = set(summarize(real_assistant, area).boards)
        assert kept <= boards and not out & boards, (area, sorted(boards))


@pytest.mark.slow
def test_an_area_whose_posters_use_other_words_is_gathered(real_assistant):
    # Neuroscience posters say brain, neurons, neural activity, fMRI, seldom the area's name:
    # they were left out (1 poster) because a poster that never names an area is not in it.
    # fMRI encoding models, neural spiking activity, motion processing in the primate brain,
    # brains and language models:
    boards = set(summarize(real_assistant, "computational neuroscience").boards)
    assert {402, 412, 415, 417} <= boards and len(boards) >= 12
    # An area the session names keeps to its posters: no neuroscience poster in spiking
    # neural networks (V1 properties, motion processing), no reinforcement learning poster in
    # imitation learning (initiation sets, potential-based exploration).
    assert not {404, 415} & set(summarize(real_assistant, "spiking neural networks").boards)
    assert not {1300, 1225} & set(summarize(real_assistant, "imitation learning").boards)


@pytest.mark.slow
def test_a_brain_inspired_model_among_its_own_kind_is_no_neuroscience(real_assistant):
    # Spiking networks (#401), object discovery (#702) and sequential Monte Carlo (#1219)
    # say "brain" once, in passing, and sit among posters whose titles never name the
    # brain; V1 properties (#404), reaction times (#403) and neurally exciting images
    # (#405) say it once too, among brain posters.
    boards = set(summarize(real_assistant, "neuroscience / brain").boards)
    assert not {401, 702, 1219} & boards, sorted(boards)
    assert {403, 404, 405, 417} <= boards, sorted(boards)


@pytest.mark.slow
def test_an_area_its_posters_word_otherwise_is_summarized_from_the_posters_a_search_cites(
        real_assistant):
    # The posters say "text-to-image diffusion", "text-to-image alignment": the membership
    # found none naming "text-to-image generation", and the summary said it was not covered.
    summary = summarize(real_assistant, "text-to-image generation")
    assert {606, 612, 2026} <= set(summary.boards), summary.overview


@pytest.mark.slow
def test_an_area_with_examples_is_the_area_and_each_example(real_assistant):
    # "... including imitation learning and RLHF" once read as one area of all those words
    # and gathered 10 posters, fewer than "reinforcement learning" alone.
    area = "reinforcement learning including imitation learning and RLHF"
    boards = set(summarize(real_assistant, area).boards)
    for part in ("reinforcement learning", "imitation learning", "RLHF"):
        assert set(summarize(real_assistant, part).boards) <= boards, part


@pytest.mark.slow
def test_an_area_of_several_topics_keeps_a_poster_naming_one_of_them(real_assistant):
    # "De novo Drug Design" (#108) says "generate molecules" and "desirable molecules";
    # PoET (#309) models "protein families" of "new" and "related" proteins: both were read
    # as using the word in another sense and left out whole.
    boards = set(summarize(real_assistant, "molecules, proteins and drug design").boards)
    assert {108, 309, 101, 308} <= boards, sorted(boards)


@pytest.mark.slow
def test_posters_wording_an_area_otherwise_among_its_members_are_gathered(real_assistant):
    # A composite speech-language model (#331), in-context tuning of PLMs (#316), infinite
    # context for transformers (#517) never say "large language model" and sit among LLM
    # posters; graph segment training (#621) among GNN posters. Sign language (#334) and
    # large graphs stay out.
    llm = set(summarize(real_assistant, "large language models").boards)
    assert {316, 331, 517} <= llm and 334 not in llm, sorted(llm)
    assert 621 in summarize(real_assistant, "graph neural networks").boards


@pytest.mark.slow
def test_3d_vision_is_its_3d_posters_not_every_vision_poster(real_assistant):
    # Vision transformers (#115, #207, #440) and biological vision (#112) say "vision", not
    # "3D": no 3D vision. Neural surface reconstruction by rendering (#205) and NeRF posters
    # (#302, #438) never say "3D": they share the area's words (scene, rendering, multi-view).
    boards = set(summarize(real_assistant, "3D vision").boards)
    assert not {112, 115, 207, 440} & boards, sorted(boards)
    assert {205, 302, 438, 119, 209, 220} <= boards, sorted(boards)


@pytest.mark.slow
def test_diffusion_models_is_the_whole_area_in_named_sub_themes(real_assistant):
    summary = summarize(real_assistant, "diffusion models")
    assert len(summary.boards) >= 30
    # Posters the first version missed: spotlights and titles that say "Diffusion Models".
    assert {105, 110, 534, 543, 1203, 2026} <= set(summary.boards)
    assert 3 <= len(summary.themes) <= 6
    for theme in summary.themes:
        texts = posters_text(real_assistant, theme.boards)
        assert sum(carries(theme.label, text) for text in texts) >= 2, theme.label
    assert summary.overview.startswith(f"{len(summary.boards)} posters on diffusion models in ")


@pytest.mark.slow
def test_diffusion_models_leaves_out_posters_using_diffusion_in_another_sense(real_assistant):
    # Graph diffusion functionals (#623) and the diffusion map of asymmetric kernels (#905)
    # sit close to the diffusion-model posters and name "diffusion" in their titles; the
    # oral on linguistic binding (#615), the spotlights and the titles that say "Diffusion
    # Models" stay, as do "Scenario Diffusion" (#530) and "diffusion-based augmentation"
    # (#437).
    boards = set(summarize(real_assistant, "diffusion models").boards)
    assert not {623, 905} & boards
    assert {615, 105, 110, 534, 543, 1203, 2026, 530, 437} <= boards


@pytest.mark.slow
def test_summary_cli_json_shows_max_but_counts_all(real_store):
    from assistant.cli import cli

    result = CliRunner().invoke(cli, ["summarize", "federated learning", "--json", "--max", "3",
                                      "--store", str(real_store)])
    data = json.loads(result.output)
    assert len(data["boards"]) <= 3 < data["count"] == len(data["area_boards"])
    assert {"label", "terms", "boards", "summary", "count"} <= set(data["themes"][0])
    assert 1112 in data["area_boards"] and "showing" in data["header"]


@pytest.mark.slow
def test_uncovered_area_says_so(real_assistant):
    summary = summarize(real_assistant, "speech recognition for call centres")
    assert summary.boards == [] and "do not seem to cover" in summary.markdown()


@pytest.mark.slow
def test_chat_intents(real_assistant):
    answer = real_assistant.ask("Summarize the work on knowledge distillation")
    assert "across the session" in answer.answer and len(answer.citations) >= 3
    overview = real_assistant.ask("What's in this session?")
    assert re.search(r"391 posters in \d+ themes", overview.answer)
    assert len(re.findall(r"^- \*\*", overview.answer, re.MULTILINE)) >= 15
    assert "most central" in overview.answer


@pytest.mark.slow
def test_each_session_theme_is_named_by_what_its_shown_posters_say(real_assistant):
    # A theme's name is a phrase its most central posters write, and the posters shown for
    # it are ones the name describes: not "federated learning" over continual-learning
    # posters, nor "diffusion models" over a broad vision-language theme.
    overview = real_assistant.ask("What's in this session?").answer
    lines = re.findall(r"^- \*\*(.+?)\*\* — (\d+) posters.*$", overview, re.MULTILINE)
    assert len(lines) >= 15
    assert len({name for name, _ in lines}) == len(lines)
    for line in overview.splitlines():
        if not line.startswith("- **"):
            continue
        name = line[4:line.index("**", 4)]
        shown = [int(b) for b in CITATION.findall(line)]
        says = [carries(name, text) for text in posters_text(real_assistant, shown)]
        assert says[0] and says == sorted(says, reverse=True), (name, shown, says)


@pytest.mark.slow
def test_map_png(real_store, tmp_path):
    from assistant.cli import cli

    out = tmp_path / "map.png"
    result = CliRunner().invoke(cli, ["map", "--out", str(out), "--highlight", "federated "
                                      "learning", "--store", str(real_store)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 50_000


def test_a_summary_shows_tex_as_a_reader_reads_it():
    from assistant.summarize import contribution_clause, digest

    card = poster(1301, title="Finite-Time Analysis of Actor-Critic",
                  abstract="Actor-critic methods are popular. We show that the method finds an "
                           "$\\epsilon$-approximate stationary point with "
                           "$\\widetilde{\\mathcal{O}}(\\epsilon^{-2})$ sample complexity.")
    for text in (digest("sample complexity", [card]),
                 contribution_clause("sample complexity", card)):
        assert "\\" not in text and "$" not in text and "ε" in text


def test_a_theme_name_fitting_part_of_its_theme_says_how_many(hash_assistant):
    # "federated learning — 38 posters" read as 38 federated-learning posters; 9 were.
    from assistant.summarize import session_themes
    from assistant.themes import carries

    answer = hash_assistant.ask("What's in this session?")
    by_board = hash_assistant.index.by_board
    for name, boards in session_themes(hash_assistant.index):
        fits = sum(carries(name, f"{by_board[b].title}. {by_board[b].abstract}") for b in boards)
        line = next(x for x in answer.answer.splitlines() if x.startswith(f"- **{name}**"))
        if 0 < fits < len(boards):
            assert f"{len(boards)} posters (the name fits {fits})" in line, line
        else:
            assert "the name fits" not in line, line
    assert "the name fits" in answer.answer  # some theme's name fits part of it
