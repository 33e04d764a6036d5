"""The query plan: one table of questions and what they must be understood as (pure, fast)."""

from __future__ import annotations

import pytest

from assistant.catalog import index_cards
from assistant.understand import Plan, Previous, index_titles, named_paper, understand


@pytest.fixture(scope="module")
def catalog(bundled):
    cards = bundled.posters
    return index_cards(cards), index_titles(cards)


def plan_of(catalog, question: str, previous: Previous | None = None) -> Plan:
    cards, titles = catalog
    return understand(question, cards, titles, previous)


# question -> the fields of the plan that must hold (others are free)
TABLE = [
    ("Where is the Monarch Mixer poster?", {"intent": "named", "boards": (509,)}),
    ("is linkernet in this session", {"intent": "named", "boards": (105,)}),
    ("the Uni3DETR paper: what does it detect?", {"intent": "poster", "boards": (300,)}),
    ("Is LLaMA-Adapter part of this session?", {"intent": "named", "boards": ()}),
    ("Which posters between #300 and #350 are about language models?",
     {"intent": "search", "board_min": 300, "board_max": 350, "topic": "language models"}),
    ("boards 400 to 600 on graph neural networks",
     {"board_min": 400, "board_max": 600, "topic": "graph neural networks"}),
    ("anything on robustness in the 700s?", {"board_min": 700, "board_max": 799,
                                            "topic": "robustness"}),
    ("#1300–1399 reinforcement learning", {"board_min": 1300, "board_max": 1399,
                                           "topic": "reinforcement learning"}),
    ("orals about diffusion", {"intent": "search", "kinds": frozenset({"oral"}),
                               "topic": "diffusion"}),
    ("Which spotlight posters study privacy?", {"kinds": frozenset({"spotlight"}),
                                                "topic": "privacy"}),
    ("How many posters are about reinforcement learning?",
     {"intent": "count", "topic": "reinforcement learning"}),
    ("how many orals are there", {"intent": "count", "kinds": frozenset({"oral"}),
                                  "topic": ""}),
    ("How many epochs of repeated data does the poster at #813 say are fine?",
     {"intent": "poster", "boards": (813,)}),
    ("What is Bernhard Schölkopf presenting about causality?",
     {"authors": ("Bernhard Schölkopf",), "topic": "causality"}),
    ("compare #813 and #509", {"intent": "compare", "boards": (813, 509)}),
    ("how does Monarch Mixer differ from #813?", {"intent": "compare", "boards": (813, 509)}),
    ("anything like #813?", {"intent": "similar", "boards": (813,)}),
    ("more posters similar to the LinkerNet poster", {"intent": "similar", "boards": (105,)}),
    ("what's at #813?", {"intent": "poster", "boards": (813,), "asks": ""}),
    ("Which posters won an award?", {"award": True, "topic": ""}),
    ("Summarize the work on federated learning", {"intent": "summarize",
                                                  "topic": "federated learning"}),
    ("what's in this session?", {"intent": "overview"}),
    ("what are the main themes of this session?", {"intent": "overview"}),
    ("what are the most common topics?", {"intent": "overview"}),
    ("what are the main themes in graph learning?",
     {"intent": "summarize", "topic": "graph learning"}),
    ("what is at #99999?", {"intent": "poster", "missing": ("#99999",)}),
    ("Which posters are about speech or audio?", {"intent": "search",
                                                  "topic": "speech or audio"}),
    # A quoted phrase is the topic only when the question is little more than the quote.
    ("How many posters have 'distillation' in the title?",
     {"intent": "count", "topic": "distillation", "in_title": True}),
    ("Which poster tests whether chat models get indirect answers, like replying 'I wore "
     "gloves' to 'Did you leave fingerprints?'", {"intent": "search"}),
    # "named" and "called" introduce a paper's name only when a name follows.
    ("Is there work on agents that look for something satisfying a need like 'I'm thirsty' "
     "instead of a named object?", {"intent": "search"}),
    ("Is there a paper called Monarch Mixer?", {"intent": "named", "boards": (509,)}),
    # "How many X did they ..." asks a figure, "how many ... posters" counts posters.
    ("How many LLMs did the code generation benchmark evaluate?", {"intent": "search"}),
    ("How many federated learning posters are there?", {"intent": "count"}),
    ("Who's working on POMDPs?", {"intent": "search", "topic": "POMDPs"}),
    # The words of asking around a topic are not part of it, in any of the usual shapes.
    ("Any posters that touch on robot manipulation?", {"topic": "robot manipulation"}),
    ("papers dealing with point clouds", {"topic": "point clouds"}),
    ("can you point me to posters on feature attribution", {"topic": "feature attribution"}),
    ("which posters discuss novel view synthesis", {"topic": "novel view synthesis"}),
    ("recommend some posters about causal discovery", {"topic": "causal discovery"}),
    ("what should I visit if I care about continual learning",
     {"topic": "continual learning"}),
    ("How many posters run experiments on MuJoCo?", {"intent": "count", "topic": "MuJoCo"}),
    ("Which papers investigate label noise?", {"topic": "label noise"}),
    ("I want to know about graph transformers posters", {"topic": "graph transformers"}),
    ("posters relevant to protein design", {"topic": "protein design"}),
    ("among the spotlights, anything on efficient transformers?",
     {"kinds": frozenset({"spotlight"}), "topic": "efficient transformers"}),
    ("jun zhu's posters", {"authors": ("Jun Zhu",), "topic": ""}),
    # Two boards compared, however the comparison is put; "between" is no range then.
    ("difference between 813 and 509?", {"intent": "compare", "boards": (813, 509),
                                         "board_min": None}),
    ("which is better, #813 or #509?", {"intent": "compare", "boards": (813, 509)}),
    ("what's on 813", {"intent": "poster", "boards": (813,)}),
    ("summarize poster 813", {"intent": "poster", "boards": (813,), "asks": ""}),
    ("summary of diffusion work", {"intent": "summarize", "topic": "diffusion"}),
    ("what are the main themes in graph learning here?", {"intent": "summarize",
                                                          "topic": "graph learning"}),
    # A pasted title is a paper asked for by name, here or not.
    ("Are Emergent Abilities of Large Language Models a Mirage?", {"intent": "named",
                                                                  "boards": ()}),
    ("Visual Instruction Tuning poster number?", {"intent": "named", "boards": ()}),
    ("Which posters are about Large Language Model Alignment?", {"intent": "search"}),
    # Chat around a question ("hey", "different question:", "pls") and shorthand ("# of").
    ("hey, how many spotlight posters are in the 1100s", {
        "intent": "count", "kinds": frozenset({"spotlight"}), "board_min": 1100,
        "board_max": 1199}),
    ("ok different question: what's at 334?", {"intent": "poster", "boards": (334,)}),
    ("# of posters about MILPs?", {"intent": "count", "topic": "MILPs"}),
    # A count in any of its usual words; whoever is counted ("people") is no topic.
    ("count posters between 1300 and 1310", {"intent": "count", "board_min": 1300,
                                             "board_max": 1310}),
    ("tally of federated learning papers pls", {"intent": "count",
                                                "topic": "federated learning"}),
    ("how many people are working on federated learning here",
     {"intent": "count", "topic": "federated learning"}),
    ("how many orals and spotlights are there combined", {"intent": "count", "topic": ""}),
    ("orals: how many?", {"intent": "count", "kinds": frozenset({"oral"}), "topic": ""}),
    ("are there more than 10 orals?", {"intent": "count", "kinds": frozenset({"oral"}),
                                       "topic": ""}),
    ("total posters on boards 1000 to 1027?", {"intent": "count", "board_min": 1000,
                                               "board_max": 1027, "topic": ""}),
    ("total variation posters", {"intent": "search"}),
    ("orals count?", {"intent": "count", "kinds": frozenset({"oral"})}),
    ("do we have many orals? how many exactly", {"intent": "count", "topic": ""}),
    ("compare the two Zhiwei Hao papers", {"intent": "compare", "boards": (1007, 1008)}),
    ("how many papers did Andrew Clark coauthor", {"intent": "count", "topic": "",
                                                   "authors": ("Andrew Clark",)}),
    # A surname with its possessive, and a range open at one end.
    ("Sudderth's stuff on deep generative models", {"authors": ("Erik Sudderth",),
                                                    "topic": "deep generative models"}),
    ("oral posters about language models, board 800 and up",
     {"kinds": frozenset({"oral"}), "board_min": 800, "board_max": None, "boards": (),
      "topic": "language models"}),
    ("posters #300 and below about vision", {"board_min": None, "board_max": 300,
                                             "topic": "vision"}),
    # Conjunctions and afterthoughts at a topic's edge are not part of it.
    ("spiking nets but only spotlights", {"kinds": frozenset({"spotlight"}),
                                          "topic": "spiking networks"}),
    # A lone "/" joins alternatives and stays in the topic.
    ("How many continual / class-incremental learning posters are there?",
     {"intent": "count", "topic": "continual / class-incremental learning"}),
    ("Which posters won something?", {"award": True, "topic": ""}),
    # A choice between two named posters is a comparison; a figure asked of one is not.
    ("1128 or 1209, which one's better?", {"intent": "compare", "boards": (1128, 1209)}),
    ("diff between DeWave and 408", {"intent": "compare", "boards": (408, 422)}),
    ("which is more efficient, monarch mixer or spike-driven transformer?",
     {"intent": "compare", "boards": (509, 418)}),
    ("for monarch mixer, how much higher throughput vs BERT?",
     {"intent": "poster", "boards": (509,)}),
    # A name followed by a question about where it is.
    ("Attention Is All You Need - is it here?", {"intent": "named", "boards": ()}),
    # A title asked for must hold most of its name: "The Quantization Model of Neural
    # Scaling" holds three of these words, but is not this paper.
    ("Is 'Scaling Laws for Neural Language Models' here?", {"intent": "named", "boards": ()}),
    # A coined name the session never writes is a paper asked for, and absent; one it
    # writes ("NeRF") is a topic.
    ("PaLM-E?", {"intent": "named", "boards": ()}),
    ("NeRF?", {"intent": "search"}),
    ("fast projected newton-like method, which board", {"intent": "named",
                                                        "boards": (1212,)}),
    # A title's head before "?" or ":", and a title quoted from its start.
    ("is your code generated by chatgpt really correct", {"boards": (321,)}),
    ("schema learning and rebinding", {"boards": (519,)}),
    # ... but a topic that only opens as a title does, then says what the title does not, is a
    # topic ("Large Language Models for Automated Data Science" is #320).
    ("large language models for legal documents", {"intent": "search", "boards": ()}),
    # "-like" makes a compound, not a request for similar posters.
    ("fast projected newton-like method", {"boards": (1212,)}),
    ("hierarchical clustering w dot products", {"boards": (1017,)}),
    # "how do they ...": the method is asked, and the "how" is kept for the answer.
    ("#1128: how do they fix expected improvement?", {"intent": "poster", "boards": (1128,),
                                                      "asks": "how fix expected improvement"}),
    # A method an abstract names as its own ("we propose FedSTO", "(PEQA)") names it ...
    ("what driving datasets does FedSTO validate on", {"intent": "poster",
                                                       "boards": (1111,)}),
    ("is PEQA here?", {"intent": "named", "boards": (441,)}),
    # ... unless the name is an English word ("HiDe"), said in passing.
    ("Has anyone used a pretrained text-to-image generator to hide a secret picture inside "
     "an innocent-looking one?", {"intent": "search", "boards": ()}),
    # "above N" is a board range when the question speaks of posters, not only of boards.
    ("posters above 1200 on reinforcement learning", {"board_min": 1201, "board_max": None,
                                                      "topic": "reinforcement learning"}),
    # Asking for a poster's neighbours, however put; "show me" asks for them, not its card.
    ("i liked #1017, anything related?", {"intent": "similar", "boards": (1017,)}),
    ("show me posters similar to HyP-NeRF", {"intent": "similar", "boards": (438,)}),
    # A surname that is no word and that no poster's text uses names its author, cue or not.
    ("schölkopf spurious features", {"authors": ("Bernhard Schölkopf",),
                                     "topic": "spurious features"}),
    # A figure asked of "the ... poster" described by its title's words: that poster.
    ("how many hands are annotated in the richer 2D hands poster?",
     {"intent": "poster", "boards": (224,)}),
    # A bare board number that ends the question after a preposition, or is all of it.
    ("tell me about 1128", {"intent": "poster", "boards": (1128,)}),
    ("1128?", {"intent": "poster", "boards": (1128,)}),
    # Neighbours asked with a card's words ("what's ... related to"): only "like" asks for
    # the poster itself ("what's the LinkerNet poster like?").
    ("what's related to the Koopa paper", {"intent": "similar", "boards": (436,)}),
    # A name the abstract coins with other verbs ("we curate CortexBench") names the poster.
    ("how many tasks are in CortexBench?", {"intent": "poster", "boards": (432,)}),
    # One poster named, the other described, and a choice between them: a comparison.
    ("Mip-Grid or volume feature rendering: which is faster?",
     {"intent": "compare", "boards": (114,)}),
    # Who wrote a poster named by its title: its authors, whatever title words are left.
    ("who wrote the spike-driven transformer?", {"intent": "poster", "boards": (418,),
                                                 "asks": "authors"}),
    # A paper asked for by a name ("the <Name> paper/poster/report", a quoted title after
    # "looking for"), here or not; "the <topic> paper" in lower case is a topic.
    ("the GPT-4 technical report", {"intent": "named", "boards": ()}),
    ("Do you have the DreamBooth poster?", {"intent": "named", "boards": ()}),
    ("looking for 'Visual Instruction Tuning'", {"intent": "named", "boards": ()}),
    ("Do you have the Koopa poster?", {"intent": "named", "boards": (436,)}),
    ("knowledge distillation paper?", {"intent": "search"}),
    ("GNN paper?", {"intent": "search"}),  # a field's acronym is a topic too
    # Texting shorthand ("hw", "r", "u") is read as the words it stands for.
    ("hw many orals r there", {"intent": "count", "kinds": frozenset({"oral"}), "topic": ""}),
    ("do u have the PaLM 2 poster", {"intent": "named", "boards": ()}),
    # An author's posters compared, narrowed to those whose titles say the topic.
    ("compare Kai Han's distillation papers", {"intent": "compare", "boards": (1007, 1008)}),
    # A title named with the field's acronym for its words ("LMs": language models).
    ("Scaling Data-Constrained LMs poster?", {"intent": "named", "boards": (813,)}),
    # A poster named by its name ("ASL Citizen") keeps the title's other words the question
    # asks with: "dataset" is asked, though the title says it too.
    ("what dataset size does ASL citizen have", {"boards": (334,), "asks": "dataset size"}),
    # Markdown and emoji typed around the words are not part of them.
    ("*spotlights* on _spiking_ networks?", {"intent": "search", "topic": "spiking networks",
                                             "kinds": frozenset({"spotlight"})}),
    ("🔥 any posters on **knowledge distillation**? 🙏", {"intent": "search",
                                                          "topic": "knowledge distillation"}),
    ("## orals\nwhich ones are about `causality`?", {"kinds": frozenset({"oral"}),
                                                     "topic": "causality"}),
    # Two title words typed as one ("SpikeDriven" for "Spike-driven") still name the poster.
    ("SpikeDriven Transformer", {"boards": (418,), "asks": ""}),
    ("where is the monarchmixer poster", {"intent": "named", "boards": (509,)}),
    # An alternative about the asker's own plans or the whole session is not a second topic.
    ("anything on NeRF worth seeing, or is it all diffusion here?",
     {"intent": "search", "topic": "NeRF"}),
    ("are there spotlights about optimal transport, or nah?",
     {"kinds": frozenset({"spotlight"}), "topic": "optimal transport"}),
    ("any orals on object discovery or should I not bother?",
     {"kinds": frozenset({"oral"}), "topic": "object discovery"}),
    # Chat that asks nothing of the posters: a plain reply, no search for its words.
    ("what time is lunch?", {"intent": "chat", "topic": ""}),
    ("who are you?", {"intent": "chat"}),
    ("what's your name?", {"intent": "chat"}),
    ("thanks!", {"intent": "chat"}),
    ("how do I register for the workshop?", {"intent": "chat"}),
    ("image registration posters?", {"intent": "search", "topic": "image registration"}),
    ("thanks! now anything on NeRF?", {"intent": "search", "topic": "NeRF"}),
    ("**#509**", {"intent": "poster", "boards": (509,), "topic": "", "asks": ""}),
    # What a question leaves out: a topic, and posters saying something else left out.
    ("diffusion model posters that are not about images",
     {"intent": "search", "topic": "diffusion model", "excluding": "images"}),
    ("which posters on graph neural networks don't use message passing?",
     {"topic": "graph neural networks", "excluding": "message passing"}),
    ("how many reinforcement learning posters, except the ones on robotics?",
     {"intent": "count", "topic": "reinforcement learning", "excluding": "robotics"}),
    ("language models but not transformers", {"topic": "language models",
                                              "excluding": "transformers"}),
    ("orals on LLMs other than agents?", {"kinds": frozenset({"oral"}), "topic": "LLMs",
                                          "excluding": "agents"}),
    # What explains a topic after it is not more of the topic: a gloss, words in
    # parentheses (names in parentheses stay); a list of examples after a dash, a colon or in
    # parentheses is examples of the topic ("X, including ...": `alternatives`)
    ("which posters are about adversarial robustness — attacks, adversarial training, "
     "certified defenses", {"intent": "search", "topic": "adversarial robustness including "
                            "attacks, adversarial training, certified defenses"}),
    ("ML for combinatorial optimization (MILP, packing, routing etc)",
     {"topic": "ML for combinatorial optimization including MILP, packing, routing"}),
    ("3D vision: reconstruction, rendering, etc",
     {"topic": "3D vision including reconstruction, rendering"}),
    ("neural operators — learning maps between function spaces",
     {"topic": "neural operators"}),
    ("knowledge distillation (teacher -> student), which boards?",
     {"topic": "knowledge distillation"}),
    ("language models and brain recordings (fMRI/EEG)",
     {"topic": "language models and brain recordings fMRI/EEG"}),
    ("diffusion models - for video", {"topic": "diffusion models for video"}),
    ("that forestry one: separating leaves from wood in drone lidar scans",
     {"topic": "forestry one separating leaves from wood in drone lidar scans"}),
    # A summary asked for in other words
    ("what's the neuroscience side of this session like? overview pls",
     {"intent": "summarize", "topic": "neuroscience"}),
    ("quick summary of what's there on knowledge distillation",
     {"intent": "summarize", "topic": "knowledge distillation"}),
    ("overview of 3D vision posters: reconstruction, rendering, point clouds, etc",
     {"intent": "summarize", "topic": "3D vision"}),
    ("is there a poster on text summarization?", {"intent": "search"}),
    # Where posters stand is no topic
    ("how many posters sit in the 1300s (boards 1300-1399)?",
     {"intent": "count", "topic": "", "board_min": 1300, "board_max": 1399}),
    ("how many boards are in the 800 row (800-899)?",
     {"intent": "count", "topic": "", "board_min": 800, "board_max": 899}),
    # A poster described, asked for where it is: found by its description
    ("differentiable inference of evolutionary trees from sequences, which board",
     {"intent": "search",
      "topic": "differentiable inference of evolutionary trees from sequences"}),
    # ... or by its title's words, misspelt, when one of them is its title's alone
    ("the steganograhpy one with difusion, which board", {"intent": "named", "boards": (116,)}),
    ("recsys posters", {"topic": "recommender systems"}),
    # the area as a whole asked of: a summary; "state of the art" is no such question
    ("what are people doing on object-centric learning in this session?",
     {"intent": "summarize", "topic": "object-centric learning"}),
    ("what's the state of RL here?", {"intent": "summarize", "topic": "RL"}),
    ("the landscape of federated learning", {"intent": "summarize", "topic": "federated learning"}),
    ("state-of-the-art image segmentation posters", {"intent": "search"}),
    ("state of the art diffusion samplers", {"intent": "search"}),
    # a pronoun for the author is no topic
    ("Robin Walters — which of his posters are on equivariance?", {"topic": "equivariance"}),
    ("does Jun Zhu have anything where their method uses diffusion?",
     {"topic": "diffusion"}),  # shorthand that is no acronym
    # A list keeps its commas (a poster about any item answers); an example does not
    ("posters on dataset pruning, coreset or data selection",
     {"topic": "dataset pruning, coreset or data selection"}),
    ("protein design, binding etc", {"topic": "protein design, binding"}),
    ("cooperative multi-agent RL, like on StarCraft",
     {"topic": "cooperative multi-agent RL like on StarCraft"}),
    # ... and questions that leave nothing out
    ("not sure what to ask, anything on NeRF?", {"excluding": ""}),
    ("posters on training so the model doesn't latch onto shortcuts",
     {"excluding": ""}),
    ("learning without labels", {"topic": "learning without labels", "excluding": ""}),
    # When the session is, in the words people ask it; a topic makes it a question
    ("what time does poster session 2 start and end", {"intent": "chat", "asks": "place"}),
    ("what time is the poster session?", {"intent": "chat", "asks": "place"}),
    ("which day is the session", {"intent": "chat", "asks": "place"}),
    ("what time series posters are in the session?", {"intent": "search"}),
    # Thanks gets a short reply, a greeting the help
    ("thanks!", {"intent": "chat", "asks": "thanks"}),
    ("ok thank you so much", {"intent": "chat", "asks": "thanks"}),
    ("hi", {"intent": "chat", "asks": ""}),
    # Another language than English is said to be one
    ("¿hay pósters sobre aprendizaje por refuerzo?", {"intent": "chat", "asks": "language"}),
    ("有关于扩散模型的海报吗？", {"intent": "chat", "asks": "language"}),
    ("y a-t-il des affiches sur les modèles de diffusion ?",
     {"intent": "chat", "asks": "language"}),
    ("posters on the Schrödinger bridge à la De Bortoli", {"intent": "search"}),
    # A ranking the page cannot give: the rest of the question, said to be no ranking
    ("which poster is the most cited", {"intent": "chat", "asks": "rating:most cited"}),
    ("what's the most practical poster for deploying LLMs on a single GPU",
     {"intent": "search", "asks": "rating:most practical"}),
    ("the best posters on prompt tuning", {"asks": "rating:best", "topic": "prompt tuning"}),
    ("best arm identification", {"asks": "", "intent": "search"}),
    ("which posters won the best paper award?", {"asks": "", "award": True}),
    # The floor around a board
    ("what's next to #1210?", {"intent": "nearby", "boards": (1210,)}),
    ("which posters are near board 811", {"intent": "nearby", "boards": (811,)}),
    ("posters close to #813 on the floor", {"intent": "nearby", "boards": (813,)}),
    # A kind alone, kept or left out, is a filter
    ("only the regular posters on diffusion models",
     {"kinds": frozenset({"poster"}), "topic": "diffusion models"}),
    ("diffusion models but not orals",
     {"kinds": frozenset({"poster", "spotlight"}), "topic": "diffusion models",
      "excluding": ""}),
    # Two topics counted against each other; one topic with an "or" stays one
    ("are there more posters on reinforcement learning or on diffusion models?",
     {"intent": "count", "topic": "reinforcement learning", "versus": "diffusion models"}),
    ("how many are about GNNs and how many about transformers?",
     {"intent": "count", "topic": "GNNs", "versus": "transformers"}),
    ("which has more posters, federated learning or continual learning?",
     {"intent": "count", "topic": "federated learning", "versus": "continual learning"}),
    ("are there more posters on speech or audio?", {"versus": ""}),
    ("are there more than 5 posters on federated learning?", {"versus": ""}),
    # What a poster compares itself with is asked of it; a second poster named is compared
    ("what benchmark does AlpacaFarm compare against", {"intent": "poster", "boards": (508,)}),
    ("which baselines does QLoRA compare with?", {"intent": "poster", "boards": (524,)}),
    ("how does QLoRA compare with Monarch Mixer?", {"intent": "compare"}),
    ("what's new in Uni-UVPT compared to previous source-free segmentation methods?",
     {"intent": "poster", "boards": (1003,)}),
    # A role asked of one poster is asked, not its card: its method, evaluation, finding
    ("how does HeadSculpt work", {"intent": "poster", "boards": (613,),
                                  "asks": "how does the method work"}),
    ("what method does #613 use", {"boards": (613,), "asks": "what method"}),
    ("what is #418 evaluated on", {"boards": (418,), "asks": "evaluated on"}),
    ("what do the HeadSculpt authors propose", {"boards": (613,), "asks": "propose"}),
    ("who are the authors of #613", {"boards": (613,), "asks": "authors"}),
    ("what does 'Birth of a Transformer' find about induction heads",
     {"boards": (322,), "asks": "induction heads"}),
    ("what's #613?", {"boards": (613,), "asks": ""}),
    ("who is the last author of the HyTrel paper", {"boards": (315,), "asks": "authors:last"}),
    # A run of a title's own capitalised words names its poster; a run many titles hold not
    ("what benchmarks does Graph Segment Training use?", {"intent": "poster", "boards": (621,)}),
    ("What Is Graph Segment Training?", {"intent": "poster", "boards": (621,)}),
    ("posters on Graph Neural Networks", {"intent": "search", "boards": ()}),
    # The card of posters a filter names is no topic
    ("what is the abstract of the outstanding paper runner-up", {"award": True, "topic": ""}),
    ("titles of the orals please", {"kinds": frozenset({"oral"}), "topic": ""}),
]


@pytest.mark.parametrize("question, expected", TABLE, ids=[q for q, _ in TABLE])
def test_questions_become_plans(catalog, question, expected):
    plan = plan_of(catalog, question)
    assert {k: getattr(plan, k) for k in expected} == expected


def test_the_quote_of_a_long_question_is_not_its_topic(catalog):
    plan = plan_of(catalog, "Which poster tests whether chat models get indirect answers, like "
                   "replying 'I wore gloves' to 'Did you leave fingerprints?' meaning no?")
    assert "chat models" in plan.topic and "indirect answers" in plan.topic


def test_the_session_defines_its_own_acronyms(bundled):
    from assistant.understand import acronyms, expand_acronyms

    table = acronyms(f"{p.title} {p.abstract}" for p in bundled.posters)
    assert table["LLM"] == "large language models"
    assert table["RL"] == "reinforcement learning"
    rare = {"RL"}
    assert expand_acronyms("spotlights on RL with LLMs", table, rare.__contains__) == (
        "spotlights on reinforcement learning with LLMs")


def test_an_acronym_the_question_spells_its_own_way_keeps_the_questions_meaning(bundled):
    from assistant.understand import acronyms, expand_acronyms

    table = acronyms(f"{p.title} {p.abstract}" for p in bundled.posters)
    assert table["DP"] == "dataset pruning"  # what this session's abstracts define DP as
    every = {"DP", "EBM"}.__contains__
    # the question says what its DP is: not the session's dataset pruning
    assert expand_acronyms("differentially private training of deep networks (DP-SGD)",
                           table, every) == (
        "differentially private training of deep networks (DP-SGD)")
    assert expand_acronyms("DP for vision models", table, every) == (
        "dataset pruning for vision models")
    # spelt the session's way, it is still spelt out
    assert expand_acronyms("energy based models (EBM) training", table, every) == (
        "energy based models (energy-based model) training")


@pytest.mark.parametrize("question, board", [
    ("the Goldilocks implicature paper — where is it?", 312),
    ("where's the paper on Goldilocks and implicature?", 312),
])
def test_a_paper_asked_for_by_a_few_title_words_one_of_them_its_own(catalog, question,
                                                                    board):
    plan = plan_of(catalog, question)
    assert (plan.intent, plan.boards) == ("named", (board,))


def test_a_topic_splits_into_its_subject_and_qualifiers():
    from assistant.relevance import aspects

    assert aspects("neural radiance fields for underwater scenes") == [
        "neural radiance fields", "underwater scenes"]
    assert aspects("federated learning on graph data") == ["federated learning", "graph data"]
    assert aspects("graph neural networks") == ["graph neural networks"]


def test_a_named_paper_that_is_absent_keeps_its_name():
    assert named_paper("Is LLaMA-Adapter part of this session?") == "LLaMA-Adapter"
    assert named_paper("where's the Segment Anything paper?") == "Segment Anything"
    assert named_paper("Attention Is All You Need - is it here?") == "Attention Is All You Need"
    assert named_paper("hey, is Toolformer in this session? thx") == "Toolformer"
    assert named_paper("the GPT-4 technical report") == "GPT-4 technical report"
    assert named_paper("Can I see the Llama 2 poster?") == "Llama 2"


@pytest.mark.parametrize("question, expected", [
    ("hey how many orals are there", "how many orals are there"),
    ("ok so, quick question: which posters are orals?", "which posters are orals?"),
    ("different question - what's at 334?", "what's at 334?"),
    ("knowledge distillation papers pls", "knowledge distillation papers"),
    ("who wrote it, thanks!", "who wrote it"),
    ("# of posters on NeRF", "number of posters on NeRF"),
    ("models w/ memory", "models with memory"),
    ("hw many r there, abt RL", "how many are there, about RL"),
    ("models w/o attention", "models without attention"),
    ("spiking nets", "spiking networks"),  # the posters write "networks"
    # "R" the language and "U-Net" stay.
    ("posters using R", "posters using R"), ("U-Net design", "U-Net design"),
    # Words that only look like chat stay: "so-called", "well-calibrated", a bare "hey".
    ("so-called foundation models", "so-called foundation models"),
    ("well-calibrated classifiers", "well-calibrated classifiers"),
    ("hey", "hey"),
])
def test_chat_around_a_question_is_dropped(question, expected):
    from assistant.understand import normalize

    assert normalize(question) == expected


@pytest.mark.parametrize("asks, board, expected", [
    ("how many videos", 334, "83,399 videos"),
    ("how many benchmarks do they test on", 1025, "four standard benchmarks"),
    ("how many people use sign languages", 334, "70 million"),
    ("how many LLMs did they test", 321, "26 popular LLMs"),
])
def test_how_many_is_answered_by_the_number_before_the_thing_counted(bundled, asks, board,
                                                                     expected):
    from assistant.compose import counted_sentence

    abstract = next(p.abstract for p in bundled.posters if p.board == board)
    assert expected in counted_sentence(asks, abstract)


def previous(catalog, question: str, results: list[int]) -> Previous:
    return Previous(question, plan_of(catalog, question), results)


FOLLOW_UPS = [
    ("anything on robot grasping?", [1300, 433],
     "how many orals?", {"intent": "count", "topic": "", "kinds": frozenset({"oral"})}),
    ("anything on robot grasping?", [1300, 433],
     "and how many are orals?", {"intent": "count", "topic": "robot grasping"}),
    ("Which posters are about knowledge distillation?", [310, 530, 601],
     "what kind of teacher does the second one use?",
     {"intent": "poster", "boards": (530,), "asks": "teacher"}),
    ("Which posters are about knowledge distillation?", [310, 530, 601],
     "who wrote the last one?", {"intent": "poster", "boards": (601,), "asks": "authors"}),
    ("Which posters are about knowledge distillation?", [310, 530, 601],
     "what about federated learning?",
     {"intent": "search", "topic": "federated learning", "within": None}),
    ("How many posters are about diffusion?", [310, 530],
     "and for graphs?", {"intent": "count", "topic": "graphs"}),
    ("Which posters are about diffusion models?", [310, 530, 601],
     "which of those use transformers?",
     {"intent": "search", "topic": "transformers", "within": frozenset({310, 530, 601})}),
    ("Which posters are about diffusion models?", [310, 530, 601],
     "how many of them are orals?",
     {"intent": "count", "kinds": frozenset({"oral"}), "within": frozenset({310, 530, 601})}),
    ("Which posters are about diffusion models?", [310, 530, 601],
     "only the spotlights", {"intent": "search", "kinds": frozenset({"spotlight"}),
                             "topic": "diffusion models"}),
    ("Tell me about the Monarch Mixer paper", [509], "who wrote it?",
     {"intent": "poster", "boards": (509,), "asks": "authors"}),
    ("Which posters are about diffusion models?", [310, 530, 601],
     "Which posters are about protein folding?",
     {"intent": "search", "topic": "protein folding", "within": None}),
    ("Which posters are about diffusion models?", [310, 530, 601],
     "what is at #813?", {"intent": "poster", "boards": (813,)}),
    # Several posters by position; what is asked of them decides the intent.
    ("Which posters are about diffusion models?", [310, 530, 601],
     "compare the first two", {"intent": "compare", "boards": (310, 530)}),
    ("Which posters are about diffusion models?", [310, 530, 601],
     "more like the last one", {"intent": "similar", "boards": (601,)}),
    # "which one ...": among the previous answer's posters.
    ("Which posters are about diffusion models?", [310, 530, 601],
     "which one is a spotlight?", {"kinds": frozenset({"spotlight"}),
                                   "within": frozenset({310, 530, 601})}),
    # Only a filter: the same topic within it.
    ("Which posters are about diffusion models?", [310, 530, 601],
     "and in the 1100s?", {"intent": "search", "topic": "diffusion models",
                           "board_min": 1100, "board_max": 1199}),
    # Naming an author afresh is a new question, not the old topic within their posters.
    ("Which posters are about diffusion models?", [310, 530, 601],
     "What is Bernhard Schölkopf presenting?", {"topic": "", "within": None,
                                                "authors": ("Bernhard Schölkopf",)}),
    ("Which posters are about diffusion models?", [310, 530, 601],
     "same but for graph neural networks", {"intent": "search",
                                            "topic": "graph neural networks"}),
    ("Which posters are about diffusion models?", [310, 530, 601],
     "summarize them", {"intent": "summarize", "topic": "diffusion models"}),
    # Chat before a follow-up, and an afterthought after its topic.
    ("Which posters are about diffusion models?", [310, 530, 601],
     "ok now what about federated learning?", {"topic": "federated learning", "within": None}),
    ("Which posters are about diffusion models?", [310, 530, 601],
     "what about continual learning then?", {"topic": "continual learning"}),
    # "it" after a list: the poster the answer led with.
    ("Which posters are about diffusion models?", [310, 530, 601],
     "who wrote it", {"intent": "poster", "boards": (310,), "asks": "authors"}),
    ("Which posters are about diffusion models?", [310, 530, 601],
     "what bit widths does it go down to?", {"intent": "poster", "boards": (310,)}),
    ("Which posters are about diffusion models?", [310, 530, 601],
     "any other posters on it?", {"boards": ()}),
    ("Which posters are about diffusion models?", [310, 530, 601],
     "who wrote that", {"intent": "poster", "boards": (310,), "asks": "authors"}),
    ("Which posters are about diffusion models?", [310, 530, 601],
     "how many is that", {"intent": "count"}),
    ("Which posters are about diffusion models?", [310, 530, 601],
     "anything similar?", {"intent": "similar", "boards": (310,)}),
    # "them", "the two": the posters of the answer, together.
    ("Which posters are about diffusion models?", [310, 530, 601],
     "compare the two", {"intent": "compare", "boards": (310, 530)}),
    ("Which posters are about diffusion models?", [310, 530, 601],
     "how do they differ?", {"intent": "compare"}),
    # A filter alone, counted: the same topic, counted within the filter.
    ("Which posters are about diffusion models?", [310, 530, 601],
     "ok and how many are orals", {"intent": "count", "kinds": frozenset({"oral"}),
                                   "topic": "diffusion models"}),
    ("Which posters are orals?", [409, 813, 509],
     "which of them won something", {"award": True,
                                     "within": frozenset({409, 813, 509})}),
    # "it" in a comparison with a named poster: the poster the last answer led with.
    ("Tell me about the Monarch Mixer paper", [509],
     "compare it with the spike-driven transformer", {"intent": "compare",
                                                      "boards": (509, 418)}),
    ("Which posters are about diffusion models?", [310, 530, 601],
     "how does it differ from #813?", {"intent": "compare", "boards": (310, 813)}),
    # Positions beyond the last answer: a comparison of the one poster there is, not of a
    # second one made up.
    ("what's at #813?", [813], "compare the first two", {"intent": "compare",
                                                         "boards": (813,)}),
    # "the same topic": the topic the conversation is on, with this question's filters.
    ("Which posters are about diffusion models?", [310, 530, 601],
     "any spotlights on the same topic?", {"intent": "search", "topic": "diffusion models",
                                           "kinds": frozenset({"spotlight"})}),
    # "em" is "them"; "vs X?" leaves out its subject, the poster of the last answer.
    ("hey which posters are on POMDPs", [429, 433], "compare em",
     {"intent": "compare", "boards": (429, 433)}),
    ("QLoRA?", [524], "vs PEQA?", {"intent": "compare", "boards": (524, 441)}),
    # "the spotlight one": the one poster of that kind the last answer showed.
    ("anything on image super-resolution", [210, 226],
     "the spotlight one - what bit widths does it target?",
     {"intent": "poster", "boards": (226,)}),
    # A choice between the two posters the last answer showed.
    ("Which posters are about Bayesian optimization?", [1128, 1209],
     "which one is faster?", {"intent": "compare", "boards": (1128, 1209)}),
    ("Which posters are about diffusion models?", [310, 530, 601],
     "which is better?", {"intent": "compare", "boards": (310, 530, 601)}),
    ("HyTrel", [315], "compared with CAAFE?", {"intent": "compare", "boards": (315, 320)}),
    # A range after a list: "the ones above 700" filters the same topic.
    ("Which posters are about adversarial attacks?", [200, 301, 709, 718],
     "just the ones above 700", {"topic": "adversarial attacks", "board_min": 701}),
    # The conversation's subject, done for something else
    ("Which posters are about knowledge distillation?", [310, 530, 601],
     "and the one that does it for diffusion models?",
     {"intent": "search", "topic": "knowledge distillation for diffusion models",
      "within": None}),
    ("Which posters are about knowledge distillation?", [310, 530, 601],
     "anyone doing that on graphs?",
     {"intent": "search", "topic": "knowledge distillation on graphs"}),
    # Those of the previous answer that leave something out
    ("anything about Stein discrepancy", [909, 1126, 1220],
     "which one doesn't need gradients?",
     {"intent": "search", "within": frozenset({909, 1126, 1220}), "excluding": "gradients"}),
    ("Which posters are about diffusion models?", [310, 530, 601],
     "which of those are not about images?",
     {"topic": "diffusion models", "within": frozenset({310, 530, 601}),
      "excluding": "images"}),
    ("equivariance", [811, 303, 620, 628], "exclude the graph ones",
     {"within": frozenset({811, 303, 620, 628}), "excluding": "graph"}),
    ("equivariance", [811, 303, 620, 628], "drop molecules",
     {"within": frozenset({811, 303, 620, 628}), "excluding": "molecules"}),
    # Where a poster of the last answer is, and what is around it
    ("federated learning", [1115, 305, 903], "where is it?",
     {"intent": "poster", "boards": (1115,), "asks": "where"}),
    ("federated learning", [1115, 305, 903], "and where are they?",
     {"intent": "poster", "boards": (1115, 305, 903), "asks": "where"}),
    ("what's at #811?", [811], "thanks! what else is nearby?",
     {"intent": "nearby", "boards": (811,)}),
    ("gaussian processes", [1515, 1210, 1209], "sort them by board number",
     {"intent": "search", "topic": "", "within": frozenset({1515, 1210, 1209})}),
    ("gaussian processes", [1515, 1210, 1209], "in walking order please",
     {"intent": "search", "topic": "", "within": frozenset({1515, 1210, 1209})}),
    # A kind instead of another keeps the topic
    ("neuroscience posters", [404, 403, 416], "now the regular posters instead, not spotlights",
     {"topic": "neuroscience", "kinds": frozenset({"poster"}), "excluding": ""}),
]


@pytest.mark.parametrize("first, results, question, expected", FOLLOW_UPS,
                         ids=[q for _, _, q, _ in FOLLOW_UPS])
def test_follow_ups_build_on_the_previous_turn(catalog, first, results, question, expected):
    plan = plan_of(catalog, question, previous(catalog, first, results))
    assert {k: getattr(plan, k) for k in expected} == expected


# Conversations of three turns: (question, the boards its answer showed) for the earlier
# turns, then the question and what its plan must hold.
CONVERSATIONS = [
    # "its first author" is the first of the poster's authors, not the list's first poster
    ([("time series", [434, 436, 800]), ("what is at #800", [800])],
     "who is its first author?", {"intent": "poster", "boards": (800,),
                                  "asks": "authors:first"}),
    # "summarize the area" after a narrowing: the area before it was narrowed
    ([("federated learning", [1115, 305, 903]),
      ("which of those address data heterogeneity?", [903, 305])],
     "summarize the area", {"intent": "summarize", "topic": "federated learning"}),
    # "compare the two" after two turns of one poster each: those two posters.
    ([("what's on board 1126", [1126]), ("and 1220?", [1220])],
     "compare the two", {"intent": "compare", "boards": (1126, 1220)}),
    ([("where's the QLoRA poster", [524]), ("what about PEQA?", [441])],
     "how do they differ?", {"intent": "compare", "boards": (524, 441)}),
    # A choice after two turns of one poster each: between those two.
    ([("what's at 509", [509]), ("and 418?", [418])],
     "which is more energy efficient?", {"intent": "compare", "boards": (509, 418)}),
    # "the same topic" after a question about one poster: the topic before it.
    ([("diffusion model orals", [615]), ("what problem does it fix", [615])],
     "any spotlights on the same topic?", {"topic": "diffusion model",
                                           "kinds": frozenset({"spotlight"})}),
    # "the last two" after turns of one poster each: the two shown last, in the order shown.
    ([("is QLoRA here?", [524]), ("what about Mip-Grid?", [114]), ("and HyP-NeRF?", [438])],
     "compare the last two", {"intent": "compare", "boards": (114, 438)}),
    # "the previous one" is the poster of the turn before; "this one" the last answer's.
    ([("tell me about Koopa", [436]), ("what's at 434?", [434])],
     "compare the previous one with this one", {"intent": "compare", "boards": (436, 434)}),
    ([("tell me about Koopa", [436]), ("what's at 434?", [434])],
     "who wrote the previous one?", {"intent": "poster", "boards": (436,), "asks": "authors"}),
    # "which of the two ..." after two turns of one poster each: among those two.
    ([("tell me about 822", [822]), ("and 823?", [823])],
     "which of the two is about axioms?", {"intent": "search", "topic": "axioms",
                                            "within": frozenset({822, 823})}),
    # "the clustering ones" after a list: its posters on that topic.
    ([("spotlights in the 1000s", [1012, 1013, 1017, 1018, 1021])],
     "the clustering ones", {"intent": "search", "topic": "clustering",
                             "within": frozenset({1012, 1013, 1017, 1018, 1021})}),
    # "both" after two turns of one poster each: those two, each asked the question.
    ([("what's at 615?", [615]), ("and 524?", [524])],
     "both orals?", {"intent": "poster", "boards": (615, 524), "asks": "orals"}),
    ([("what's at 615?", [615]), ("and 524?", [524])],
     "who wrote the last two?", {"intent": "poster", "boards": (615, 524), "asks": "authors"}),
    # "thanks" between two questions does not end the conversation.
    ([("any posters on EEG?", [422, 408]), ("thanks", [])],
     "who wrote the first one?", {"intent": "poster", "boards": (422,), "asks": "authors"}),
]


@pytest.mark.parametrize("turns, question, expected", CONVERSATIONS,
                         ids=[q for _, q, _ in CONVERSATIONS])
def test_follow_ups_reach_past_the_last_answer(catalog, turns, question, expected):
    before = None
    for asked, shown in turns:
        before = Previous(asked, plan_of(catalog, asked, before), shown, len(shown))
    plan = plan_of(catalog, question, before)
    assert {k: getattr(plan, k) for k in expected} == expected


def test_a_conversations_context_survives_json_but_does_not_change_what_is_asked(catalog):
    first = Previous("what's on board 1126", plan_of(catalog, "what's on board 1126"), [1126], 1)
    plan = plan_of(catalog, "and 1220?", first)
    assert plan.earlier == (1126,)
    assert Plan.from_json(plan.to_json()).earlier == (1126,)
    assert plan == plan_of(catalog, "and 1220?")  # the same question, asked afresh


def test_a_plan_survives_json(catalog):
    plan = plan_of(catalog, "how many orals between #500 and #900 are about scaling?")
    assert Plan.from_json(plan.to_json()) == plan


@pytest.mark.parametrize("question", ["What is at #813?", "what's on board 813",
                                      "Tell me about poster 813", "poster #813 please"])
def test_board_numbers_name_a_poster(catalog, question):
    plan = plan_of(catalog, question)
    assert plan.intent == "poster" and plan.boards == (813,) and plan.asks == ""


def test_authors_without_diacritics_in_lower_case_or_by_surname(catalog, bundled):
    expected = frozenset(p.board for p in bundled.posters if "Bernhard Schölkopf" in p.authors)
    for question in ["what is bernhard scholkopf presenting?", "Posters by Bernhard Schölkopf",
                     "which posters are by Schölkopf?"]:
        plan = plan_of(catalog, question)
        assert plan.author_boards == expected and plan.topic == "", question
    assert plan_of(catalog, "diffusion models for video").author_boards is None
    # A surname that is also a word names no one when the question writes it in lower case.
    assert plan_of(catalog, "What speed-up do they get by scaling down the UNet long skip "
                            "connections?").author_boards is None
    assert plan_of(catalog, "posters by Long?").author_boards is not None


def test_lukasz_finds_lukasz_with_stroke():
    from assistant.text import fold

    assert fold("Łukasz Dębowski") == "lukasz debowski"


def test_capitalised_title_words_and_field_acronyms_are_not_paper_names(catalog):
    for question in ["Can a model learn in-context by filling templates?",
                     "Is there a poster on generating synthetic MILP instances?"]:
        assert plan_of(catalog, question).boards == (), question


def test_kinds_and_awards_without_a_topic_are_listings(catalog):
    assert plan_of(catalog, "Which posters are orals?").kinds == frozenset({"oral"})
    assert plan_of(catalog, "list the spotlight posters").topic == ""
    assert plan_of(catalog, "Did any poster win an award?").award


def test_typos_are_corrected_from_the_session_vocabulary(bundled):
    from assistant.embedding import dictionary_words
    from assistant.understand import Vocabulary, correct_typos

    vocabulary = Vocabulary.of((f"{p.title} {p.abstract}" for p in bundled.posters),
                               dictionary_words())
    assert correct_typos("grpah contrastive lerning", vocabulary) == (
        "graph contrastive learning")
    assert correct_typos("spiking nueral netwroks", vocabulary) == "spiking neural networks"
    # Known words, short words and names stay as typed.
    assert correct_typos("diffusion for LiDAR in 3D", vocabulary) == "diffusion for LiDAR in 3D"
    assert correct_typos("across parties", vocabulary) == "across parties"  # not "parities"
    # A plural or singular of a session word is that word, not a typo of another one.
    assert correct_typos("replay buffers", vocabulary) == "replay buffers"  # not "suffers"


@pytest.mark.parametrize("topic, expected", [
    ("speech or audio", ["speech", "audio"]),
    ("continual / class-incremental learning", ["continual learning",
                                                "class-incremental learning"]),
    # A disjunction inside a qualifier keeps the subject it qualifies; a lone first word
    # takes what the last alternative says after its own first word.
    ("prompt tuning for vision or vision-language models",
     ["prompt tuning for vision models", "prompt tuning for vision-language models"]),
    ("ML attacks on RSA or elliptic-curve cryptography",
     ["ML attacks on RSA cryptography", "ML attacks on elliptic-curve cryptography"]),
    ("LLMs to solve or formulate MILP problems",
     ["LLMs to solve MILP problems", "LLMs to formulate MILP problems"]),
    ("binary / 1-bit quantized diffusion models",
     ["binary quantized diffusion models", "1-bit quantized diffusion models"]),
    ("graph neural networks", ["graph neural networks"]),
    # a lone acronym of the last alternative is that alternative in other words
    ("GNN / graph neural networks", ["GNN", "graph neural networks"]),
    # an adverb's adjective goes with it; a verb left on its particle takes the object; a
    # comparative pairs with "more"; "without" joins a subject to its qualifier
    ("spiking or biologically plausible neural networks",
     ["spiking neural networks", "biologically plausible neural networks"]),
    ("speeding up or stabilizing diffusion training",
     ["speeding up diffusion training", "stabilizing diffusion training"]),
    ("image super-resolution cheaper or more robust",
     ["image super-resolution cheaper", "image super-resolution more robust"]),
    ("continual learning without forgetting or replay",
     ["continual learning without forgetting", "continual learning without replay"]),
    # two qualifiers of one noun, behind a qualifier of both
    ("communication-efficient distributed or decentralized optimization",
     ["communication-efficient distributed optimization",
      "communication-efficient decentralized optimization"]),
    # a lone name is a thing of its own, not a word the last alternative completes
    ("LoRA / parameter efficient finetuning", ["LoRA", "parameter efficient finetuning"]),
])
def test_a_disjunction_is_each_of_its_topics(topic, expected):
    from assistant.understand import alternatives

    assert alternatives(topic) == expected


@pytest.mark.parametrize(("topic", "expected"), [
    ("reinforcement learning including RLHF",
     ["reinforcement learning", "RLHF", "reinforcement learning including RLHF"]),
    ("generative models such as diffusion or GANs",
     ["generative models", "diffusion", "GANs", "generative models such as diffusion or GANs"]),
    ("expressive power of graph neural networks e.g Weisfeiler-Leman tests",
     ["expressive power of graph neural networks", "Weisfeiler-Leman tests",
      "expressive power of graph neural networks e.g Weisfeiler-Leman tests"]),
    ("learning-based combinatorial optimization, for example bin packing or routing",
     ["learning-based combinatorial optimization", "bin packing", "routing",
      "learning-based combinatorial optimization, for example bin packing or routing"]),
    # no examples named: one topic
    ("reinforcement learning from human feedback", ["reinforcement learning from human feedback"]),
])
def test_a_topic_with_examples_is_the_topic_each_example_and_the_whole(topic, expected):
    from assistant.understand import alternatives, names_examples

    assert alternatives(topic) == expected
    assert names_examples(topic) == (len(expected) > 1)


@pytest.mark.parametrize("asks, expected", [("oral", "is an oral"),
                                            ("did it win anything", "Outstanding Paper"),
                                            ("epochs of repeated data", None)])
def test_a_question_about_a_posters_kind_is_answered_from_its_card(bundled, asks, expected):
    from assistant.compose import answer_from_poster

    card = next(p for p in bundled.posters if p.board == 813)
    text = answer_from_poster(asks, [card]).answer
    if expected is None:
        assert "is an oral" not in text
    else:
        assert expected in text


def test_a_topic_that_opens_a_title_is_still_a_topic(catalog):
    # "Graph Contrastive Learning with Stable and Scalable Spectral Encoding" opens so, but
    # three words are a field's name as often as a paper's.
    plan = plan_of(catalog, "grpah contrastive lerning")
    assert plan.boards == () and plan.intent == "search"


def test_how_a_poster_does_something_is_answered_with_its_method_sentence(bundled):
    from assistant.compose import answer_from_poster

    card = next(p for p in bundled.posters if p.board == 1128)
    assert "we propose LogEI" in answer_from_poster("how fix expected improvement",
                                                    [card]).answer


# Once an author is named, the words of their role ("as a co-author", "on the author list",
# "worked on") are no topic: the answer is the author's posters, not an abstention on "as".
@pytest.mark.parametrize("question, author", [
    ("which posters have Christopher Ré as an author", "Christopher Ré"),
    ("any posters with Shuicheng Yan as a co-author?", "Shuicheng Yan"),
    ("anything Frank Hutter worked on", "Frank Hutter"),
    ("show me everything with Jun Zhu on the author list", "Jun Zhu"),
    ("which papers feature Weizhu Chen as an author?", "Weizhu Chen"),
    ("posters that include Ila Fiete as one of the authors", "Ila Fiete"),
    ("I'd like to find the work Thomas Serre contributed to", "Thomas Serre"),
    ("Has Max Welling got anything on display?", "Max Welling"),
])
def test_an_authors_role_is_no_topic(catalog, question, author):
    plan = plan_of(catalog, question)
    assert (plan.authors, plan.topic) == ((author,), "")


def test_an_author_with_a_topic_keeps_the_topic_past_the_role(catalog):
    plan = plan_of(catalog, "papers with Christopher Ré as an author on state space models")
    assert (plan.authors, plan.topic) == (("Christopher Ré",), "state space models")
    plan = plan_of(catalog, "which posters have Christopher Ré as an author")
    assert plan.topic == ""


def test_a_described_poster_asked_for_its_board_is_found_by_its_description(catalog):
    # "... - which board?" after a description is a lookup by those words, not a paper
    # named by the whole sentence (which no title matches, so it would be "absent")
    for question in [
        "There's a poster about aligning sleep EEG recordings across subjects with a Monge "
        "mapping — which board?",
        "a method that recovers a camera's focal length from a single photo taken in the "
        "wild, where can I find it?",
        "the one using an evolutionary strategy to make camouflaged adversarial patches, "
        "where is it?",
        "Somebody told me about a paper that hides images inside other images using "
        "diffusion models. What board is it at?",
    ]:
        plan = plan_of(catalog, question)
        assert plan.intent == "search" and plan.boards == () and len(plan.topic.split()) >= 5
        assert not {"board", "where", "told", "somebody"} & set(plan.topic.lower().split())
    plan = plan_of(catalog, "the paper that attacks lattice crypto with ML, where would I find it?")
    assert (plan.intent, plan.topic) == ("search", "attacks lattice crypto with ML")
    # a title asked for by its name stays a named paper, here or not
    assert plan_of(catalog, "Where is Scaling laws for neural language models?").intent == (
        "named")
    assert plan_of(catalog, "Imitation Learning from Vague Feedback, where is it").boards == (
        1223,)


def test_a_topic_one_title_happens_to_share_is_a_topic(catalog):
    plan = plan_of(catalog, "Hi! I'm looking for anything about giving language models a "
                            "longer context or a long-term memory")
    assert plan.intent == "search" and plan.boards == ()
    assert "long-term memory" in plan.topic and "longer context" in plan.topic
    # the title itself, asked for, still names its poster
    assert plan_of(catalog, "any posters on augmenting language models with long-term "
                            "memory?").boards == (317,)


@pytest.mark.parametrize("question, expected", [
    ("whcih posters are about federated learning?", {"topic": "federated learning"}),
    ("hwo many orals are there?", {"intent": "count", "kinds": frozenset({"oral"}),
                                   "topic": ""}),
    ("wich papers are about spiking neural networks", {"topic": "spiking neural networks"}),
    ("hwo many posters are about federated learning", {"intent": "count",
                                                       "topic": "federated learning"}),
    ("Good morning! I'm searching for anything about spiking neural networks",
     {"topic": "spiking neural networks"}),
    ("I'm curious whether Jun Zhu has any posters about diffusion",
     {"authors": ("Jun Zhu",), "topic": "diffusion"}),
])
def test_a_slip_in_the_words_around_a_topic_does_not_hide_the_question(catalog, question,
                                                                      expected):
    plan = plan_of(catalog, question)
    assert {k: getattr(plan, k) for k in expected} == expected


def test_a_slip_in_a_frame_word_of_a_follow_up_still_reads_those(catalog):
    first = previous(catalog, "posters on spiking neural networks", [401, 418, 706])
    plan = plan_of(catalog, "wihch of them use transformers?", first)
    assert plan.within == frozenset({401, 418, 706}) and plan.topic == "transformers"


@pytest.mark.parametrize("question, board", [
    ("is 509 an oral?", 509), ("does 220 need a calibration board?", 220),
    ("was 615 presented as an oral", 615), ("what dataset does 334 introduce?", 334),
    ("can you tell me if 320 uses GPT-4?", 320), ("who presented 509?", 509),
])
def test_a_board_number_inside_a_question_names_the_poster(catalog, question, board):
    plan = plan_of(catalog, question)
    assert (plan.intent, plan.boards) == ("poster", (board,))


def test_a_number_that_counts_something_names_no_board(catalog):
    assert plan_of(catalog, "is 100 enough samples").boards == ()
    assert plan_of(catalog, "is 509 an oral?").boards == (509,)


@pytest.mark.parametrize("more", ["show me more", "more please", "any others?", "what else?"])
def test_more_is_the_rest_of_the_last_result_set(catalog, more):
    asked = "which posters are about diffusion models?"
    results = [537, 529, 600, 545, 511, 325, 116, 531, 615, 606, 540, 918, 310, 530]
    before = Previous(asked, plan_of(catalog, asked), results, shown=12)
    plan = plan_of(catalog, more, before)
    assert (plan.intent, plan.topic, plan.within) == ("search", "diffusion models",
                                                      frozenset({310, 530}))


def test_a_typo_is_read_as_the_word_that_stands_with_the_others(bundled):
    from assistant.embedding import dictionary_words
    from assistant.understand import Vocabulary, correct_typos

    vocabulary = Vocabulary.of((f"{p.title} {p.abstract}" for p in bundled.posters),
                               dictionary_words())
    # "maping" is one slip from "making" (frequent) and "mapping"; "mapping" is what stands
    # with "tone" and "hdr" in a poster
    assert correct_typos("tone maping for hdr photos", vocabulary) == (
        "tone mapping for hdr photos")
    assert correct_typos("diffusion for speeh enhancement", vocabulary) == (
        "diffusion for speech enhancement")  # not "speed"
    assert correct_typos("attacking LWE with spase secrets", vocabulary) == (
        "attacking LWE with sparse secrets")  # not "space"
    assert correct_typos("maping", vocabulary) == "making"  # alone: the most frequent


def test_a_poster_named_by_its_name_reads_the_same_in_every_process():
    # The longest name the question says ("ASL Citizen", not its "ASL") decides which title
    # words are dropped, whatever order a process keeps the names in.
    import os
    import subprocess
    import sys

    code = ("from assistant.catalog import index_cards\n"
            "from assistant.settings import BUNDLED_SESSION\n"
            "from assistant.understand import index_titles, understand\n"
            "from ingest.parse import load_session\n"
            "cards = load_session(BUNDLED_SESSION).posters\n"
            "print(understand('what dataset size does ASL citizen have', index_cards(cards),"
            " index_titles(cards)).asks)\n")
    asks = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, env={**os.environ, "PYTHONHASHSEED": seed}
                           ).stdout.strip() for seed in ("1", "2", "5")}
    assert asks == {"dataset size"}


def test_alternatives_of_one_kind_share_the_words_before_them():
    from assistant.understand import alternatives

    assert alternatives("make vision transformers lighter or cheaper to run") == [
        "make vision transformers lighter", "make vision transformers cheaper to run"]
    assert alternatives("models that are interpretable or explainable") == [
        "models that are interpretable", "models that are explainable"]
    # different kinds of words: each alternative stands alone, as before
    assert alternatives("graph neural networks or transformers") == [
        "graph neural networks", "transformers"]


@pytest.mark.parametrize("question, topic", [
    ("posters whose main focus is federated learning", "federated learning"),
    ("papers mainly about optimal transport", "optimal transport"),
    ("how do people build agents out of LLMs?", "build agents out of LLMs"),
])
def test_how_much_or_who_is_asked_is_not_the_topic(catalog, question, topic):
    assert plan_of(catalog, question).topic == topic


def test_a_poster_asked_whether_it_is_of_a_kind_shows_its_card(catalog):
    # "or a regular poster" names the other kind, not something asked of the poster
    plan = plan_of(catalog, "is 418 a spotlight or a regular poster?")
    assert (plan.intent, plan.boards, plan.asks) == ("poster", (418,), "")
    assert plan_of(catalog, "orals on standard benchmarks").topic == "standard benchmarks"


def test_an_alternative_of_content_is_kept_where_a_hedge_is_dropped(catalog):
    # "or no labels" is part of what is asked; "..., or nah?" only whether to go.
    assert plan_of(catalog, "segmentation with few or no labels?").topic.endswith("or no labels")
    assert plan_of(catalog, "segmentation, or nah?").topic == "segmentation"


@pytest.mark.parametrize("question, many", [
    ("Any work that uses diffusion models to make synthetic training data for vision tasks?",
     True),
    ("any research on learning rate warmup for transformers?", True),
    ("Which posters are about federated learning?", True),
    ("Is anyone training policies for loading boxes into a container with a robot arm?", False),
])
def test_a_question_asks_for_posters_in_the_plural_or_for_one(question, many):
    from assistant.understand import asks_for_many

    assert asks_for_many(question) is many


# --- follow-ups, read by what they refer to, not by their wording -------------------------

DIFFUSION = [537, 529, 545, 600, 511, 116, 325, 531, 534, 541]  # "diffusion model posters"
DISTILLATION = [1008, 103, 1007, 816, 305, 221]  # "knowledge distillation posters"
FEDERATED = [1115, 305, 903, 512, 1125, 1022, 1111, 1112]  # "federated learning posters"

# (earlier turns as (question, the boards its answer showed, its whole result set or None),
# the follow-up, what its plan must hold)
FOLLOW_UP_CLASSES = [
    # No noun of its own ("which use X?", "do any ...", "those ..."): the last answer's posters.
    ([("diffusion model posters", DIFFUSION, None)], "which use transformers?",
     {"intent": "search", "topic": "transformers", "within": frozenset(DIFFUSION)}),
    ([("diffusion model posters", DIFFUSION, None)], "do any handle speech?",
     {"topic": "speech", "within": frozenset(DIFFUSION)}),
    ([("diffusion model posters", DIFFUSION, None)], "those dealing with inverse problems?",
     {"topic": "inverse problems", "within": frozenset(DIFFUSION)}),
    ([("diffusion model posters", DIFFUSION, None)], "which of the ones you listed do text?",
     {"topic": "text", "within": frozenset(DIFFUSION)}),
    ([("diffusion model posters", DIFFUSION, None)], "keep only the spotlights",
     {"kinds": frozenset({"spotlight"}), "within": frozenset(DIFFUSION)}),
    ([("federated learning posters", FEDERATED, None)], "narrow it down to object detection",
     {"topic": "object detection", "within": frozenset(FEDERATED)}),
    # A poster of the last answer by what it is: its words, kind or authors.
    ([("knowledge distillation posters", DISTILLATION, None)],
     "the one about molecules - how much faster is it?",
     {"intent": "poster", "boards": (103,), "asks": "how much faster"}),
    ([("knowledge distillation posters", DISTILLATION, None)], "and the federated one?",
     {"intent": "poster", "boards": (305,)}),
    ([("diffusion model posters", DIFFUSION, None)],
     "the spotlight one about in-context learning - what does it do?",
     {"intent": "poster", "boards": (534,)}),
    ([("diffusion model posters", DIFFUSION, None)], "the one by Hyungjin Chung?",
     {"intent": "poster", "boards": (541,)}),
    ([("diffusion model posters", [537, 615, 529], None)], "that oral, who wrote it?",
     {"intent": "poster", "boards": (615,), "asks": "authors"}),
    ([("diffusion model posters", [537, 538, 545], None)], "the one with the ODE solver",
     {"intent": "poster", "boards": (538,)}),
    # Nothing of its own asked about: what the last answer was about.
    ([("diffusion model posters", DIFFUSION, None)], "how many are there?",
     {"intent": "count", "topic": "diffusion model"}),
    ([("diffusion model posters", DIFFUSION, None)], "which board is it on?",
     {"intent": "poster", "boards": (537,)}),
    ([("diffusion model posters", DIFFUSION, None)], "is it an oral?",
     {"intent": "poster", "boards": (537,)}),
    ([("diffusion model posters", DIFFUSION, None)], "what are the main themes?",
     {"intent": "summarize", "topic": "diffusion model"}),
    ([("how many orals are there?", [409, 503, 509], None)], "list them",
     {"intent": "search", "kinds": frozenset({"oral"})}),
    ([("diffusion model posters", DIFFUSION, None)], "what are the differences between them?",
     {"intent": "compare"}),
    # Only filters: the last question's, with these.
    ([("how many orals are there?", [409, 503, 509], None)], "what about in the 600s?",
     {"intent": "count", "kinds": frozenset({"oral"}), "board_min": 600, "board_max": 699}),
    ([("federated learning posters", FEDERATED, None)], "the ones above board 1000 please",
     {"topic": "federated learning", "board_min": 1001}),
    # Positions: "#2" and "the 4th" in a list, "the top one", and the list of two turns ago.
    ([("diffusion model posters", DIFFUSION, None)], "and the 4th?",
     {"intent": "poster", "boards": (600,)}),
    ([("diffusion model posters", DIFFUSION, None)], "tell me more about #2",
     {"intent": "poster", "boards": (529,)}),
    ([("diffusion model posters", DIFFUSION, None)], "who's behind the top one?",
     {"intent": "poster", "boards": (537,), "asks": "authors"}),
    ([("posters on Bayesian optimization", [1209, 1128, 1127], None),
      ("the first one", [1209], None)], "and the second?",
     {"intent": "poster", "boards": (1128,)}),
    # The last answer showed one poster (of a larger result set): a question of it.
    ([("federated learning posters", FEDERATED, None),
      ("which of those does object detection?", [1111], FEDERATED)], "is the code available?",
     {"intent": "poster", "boards": (1111,)}),
    ([("federated learning posters", FEDERATED, None),
      ("which of those does object detection?", [1111], FEDERATED)],
     "what dataset do they use?", {"intent": "poster", "boards": (1111,)}),
    ([("what's at board 531?", [531], None)], "how big is the model?",
     {"intent": "poster", "boards": (531,)}),
    ([("what's at board 531?", [531], None)], "which dataset is used?",
     {"intent": "poster", "boards": (531,)}),
    ([("what's at board 531?", [531], None)], "any other posters on this?",
     {"intent": "similar", "boards": (531,)}),
    ([("federated learning posters", FEDERATED, None)], "and the authors?",
     {"intent": "poster", "boards": (1115,), "asks": "authors"}),
    # A count without a noun of its own counts what the last question asked about.
    ([("how many posters are about reinforcement learning?", [1300, 1304, 108], None)],
     "how many in the 1300s?", {"intent": "count", "topic": "reinforcement learning",
                                "board_min": 1300, "board_max": 1399}),
    # "him", "her": the author the last question named.
    ([("what is Jun Zhu presenting?", [502, 538, 926, 1202], None)], "and his spotlights?",
     {"kinds": frozenset({"spotlight"}), "authors": ("Jun Zhu",)}),
    # A correction or texting around a follow-up is not its topic.
    ([("posters on graph neural networks", [623, 420, 631], None)],
     "no, I meant graph transformers", {"intent": "search", "topic": "graph transformers"}),
    ([("anything about point clouds?", [119, 925], None), ("only the orals", [], None)],
     "hmm none? what about spotlights then",
     {"topic": "point clouds", "kinds": frozenset({"spotlight"})}),
    # A summary of a poster of the last answer is that poster's card, not a summary of an area.
    ([("federated learning posters", FEDERATED, None)], "summarize the first one",
     {"intent": "poster", "boards": (1115,)}),
    ([("federated learning posters", FEDERATED, None)], "give me a summary of the DELTA one",
     {"intent": "poster", "boards": (1125,)}),
    # "there": where the last question looked.
    ([("what's on in the 1200s?", [1200, 1201, 1202], None)],
     "anything about optimization there?",
     {"topic": "optimization", "board_min": 1200, "board_max": 1299}),
    ([("posters on graph neural networks", [623, 420, 631], None)],
     "which ones r about molecules", {"topic": "molecules",
                                      "within": frozenset({623, 420, 631})}),
    # After "show me more", "those" are the whole list; after an answer of none, the list
    # before it (not every spotlight of the session).
    ([("gnn posters", [624, 619, 623], [106, 617]), ("show me more", [106, 617], None)],
     "which of those are spotlights?", {"kinds": frozenset({"spotlight"}),
                                        "within": frozenset({106, 617, 624, 619, 623})}),
    ([("gnn posters", [624, 619, 623], None), ("any of them in the 1000s?", [], None)],
     "which of those are spotlights?", {"kinds": frozenset({"spotlight"}),
                                        "within": frozenset({624, 619, 623})}),
    # "any of them ...?" after an answer of one poster: the list before it.
    ([("NeRF posters", [114, 209, 302], None), ("which one does 3D segmentation?", [209], None)],
     "any of them in the 100s?", {"board_min": 100, "board_max": 199,
                                  "within": frozenset({114, 209, 302})}),
]


@pytest.mark.parametrize("turns, question, expected", FOLLOW_UP_CLASSES,
                         ids=[q for _, q, _ in FOLLOW_UP_CLASSES])
def test_a_follow_up_is_read_by_what_it_refers_to(catalog, turns, question, expected):
    cards, titles = catalog
    before = None
    for asked, shown, results in turns:
        plan = understand(asked, cards, titles, before)
        before = Previous(asked, plan, list(dict.fromkeys([*shown, *(results or [])])),
                          len(shown))
    plan = understand(question, cards, titles, before)
    assert {k: getattr(plan, k) for k in expected} == expected


def test_a_session_acronym_typed_in_lower_case_is_the_acronym():
    from assistant.understand import capitalised_acronyms

    table = {"SNN": "spiking neural networks", "GNN": "graph neural networks",
             "HDR": "high dynamic range", "CoT": "chain-of-thought"}
    assert capitalised_acronyms("snn", table) == "SNN"
    assert capitalised_acronyms("gnns for molecules", table) == "GNNs for molecules"
    assert capitalised_acronyms("hdr video", table) == "HDR video"
    # an English word is a word ("cot"), and words the table lacks stay as typed
    assert capitalised_acronyms("cot prompting", table) == "cot prompting"
    assert capitalised_acronyms("spiking cats", table) == "spiking cats"


def test_a_framing_word_with_a_typo_is_framing_once_corrected():
    from assistant.understand import topic_of

    assert topic_of("anything on knowledge distillation") == "knowledge distillation"


@pytest.mark.parametrize("question", ["give me the gist of the long-context language model posters",
                                      "synopsis of the long-context language model work"])
def test_a_gist_or_synopsis_asks_for_a_summary(question):
    from assistant.understand import summary_area

    assert "long-context language model" in (summary_area(question) or "")


def test_an_acronym_asked_of_alone_is_both_its_spellings():
    from assistant.understand import expand_acronyms

    table = {"GNN": "graph neural networks", "BO": "Bayesian optimization"}
    common = lambda short: False  # noqa: E731 - many posters write it
    assert expand_acronyms("GNN", table, common) == "GNN / graph neural networks"
    assert expand_acronyms("gnn", table, common) == "GNN / graph neural networks"
    # within a longer topic it stays for the rankers; a rare one is spelled out
    assert expand_acronyms("GNN for molecules", table, common) == "GNN for molecules"
    assert expand_acronyms("BO", table, lambda short: True) == "Bayesian optimization"


@pytest.mark.parametrize("question", ["where is the M2SODAI poster?",
                                      "M2SODAI: how many spectral channels do the sensors have?"])
def test_a_name_written_with_math_in_its_title_is_found_as_typed(catalog, question):
    # "M$^{2}$SODAI: ..." (#1413): the math was dropped whole, leaving "M" and "SODAI".
    plan = plan_of(catalog, question)
    assert plan.intent in ("named", "poster") and plan.boards == (1413,)


@pytest.mark.parametrize(("question", "name"), [
    ("is the paper 'Attention Is All You Need' here?", "Attention Is All You Need"),
    ("Where is the Monarch Mixer poster?", "Monarch Mixer"),
    ("Is LinkerNet in this session?", "LinkerNet")])
def test_the_name_of_a_paper_asked_for_is_what_its_quotes_hold(question, name):
    from assistant.understand import named_paper

    assert named_paper(question) == name


@pytest.mark.parametrize(("question", "name"), [
    ("posters by Geoffrey Hinton?", "Geoffrey Hinton"),
    ("what is Yann LeCun presenting?", "Yann LeCun"),
    ("anything by Fei-Fei Li on vision?", "Fei-Fei Li")])
def test_a_person_asked_for_who_has_no_poster_is_a_filter_none_passes(catalog, question, name):
    plan = plan_of(catalog, question)
    assert plan.authors == (name,) and plan.author_boards == frozenset()


@pytest.mark.parametrize("question", ["fine-tuning by Reinforcement Learning",
                                      "diffusion work from Google DeepMind"])
def test_capitalised_words_of_the_field_or_a_lab_are_no_missing_author(catalog, question):
    assert plan_of(catalog, question).author_boards is None
