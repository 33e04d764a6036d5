"""Question (+ the previous turn) -> a typed query Plan. Every question pattern lives here.

`understand` is pure: it reads the question, the session's catalog (boards, author names,
titles) and the previous turn's plan and results, and says what is asked (the intent), about
what (the topic), within what (filters: kinds, board range, authors, award, the previous
results), and which posters it names (by board, title or acronym). Nothing is searched here;
`assistant.ask` executes the plan.

Rules are used only for what has a fixed form: board numbers and ranges, kinds, awards, "how
many", names of authors and titles (matched against the session's own lists, accent- and
case-insensitively, tolerant of a missing word or a typo). Everything else is the topic.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from functools import cache, lru_cache
from itertools import pairwise
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from assistant.catalog import CardIndex, index_cards
from assistant.citations import named_refs, ref_board
from assistant.poster import Poster
from assistant.retrieve import PosterFilter
from assistant.text import content_words, fold, folded_words, stem

INTENTS = ("search", "count", "named", "poster", "compare", "similar", "summarize",
           "overview")

# --- patterns -------------------------------------------------------------------------------
_NUM = r"#?\s*(\d{1,7})"
_RANGE = re.compile(
    rf"(?:\bbetween\s+(?:boards?\s+|posters?\s+|numbers?\s+)?{_NUM}\s+and\s+{_NUM})"
    rf"|(?:(?:\bboards?|\bposters?|\bfrom|\bnumbered|\bnumbers|\brange|#)\s*#?\s*(\d{{1,7}})"
    rf"\s*(?:-|–|—|to|through|thru|until)\s*{_NUM})"
    rf"|(?:\b(\d{{3,7}})\s*[-–—]\s*#?(\d{{3,7}})\b)", re.IGNORECASE)
_DECADE = re.compile(r"\b(?:in\s+)?the\s+#?(\d{1,2}00)s\b", re.IGNORECASE)
_ABOVE = re.compile(rf"\b(?:above|over|after|beyond)\s+(?:boards?\s+)?{_NUM}(?!\s*\d)",
                    re.IGNORECASE)
_BELOW = re.compile(rf"\b(?:below|under|before|up to)\s+(?:boards?\s+)?{_NUM}", re.IGNORECASE)
# "board 800 and up", "#1200 onwards", "boards 300 or lower": a range open at one end
_OPEN_END = re.compile(r"(?:(?:\bboards?|\bnumbered|\bnumbers|\bposters?)\s*|#\s*|\bfrom\s+)#?\s*"
                       r"(\d{1,7})\s*(?:(?:(?:and|or)\s+(?P<up>up|above|higher|later|beyond|"
                       r"after)|(?P<on>onwards?|on|upwards)|(?:and|or)\s+(?P<down>below|lower|"
                       r"under|before|less|down))\b|\+)", re.IGNORECASE)
_BOARD = re.compile(r"(?:#\s*|\b(?:board|poster|number|no\.?)\s*#?\s*)(\d{1,7})\b",
                    re.IGNORECASE)
_KINDS = {"oral": re.compile(r"\borals?\b", re.IGNORECASE),
          "spotlight": re.compile(r"\bspotlights?\b", re.IGNORECASE)}
# The kind that is neither oral nor spotlight, named beside one ("or a regular poster?").
_PLAIN_KIND = re.compile(r"\b(?:regular|normal|standard|ordinary|plain|usual)\s+(?:posters?|"
                         r"ones?|presentations?)\b|\bor\s+(?:a\s+)?(?:regular|normal|standard|"
                         r"ordinary|plain|usual)\s*[?.!]*$", re.IGNORECASE)
_AWARD = re.compile(r"\b(awards?|awarded|prizes?|outstanding|best paper|honou?rable mention|"
                    r"runner[- ]up|award[- ]winn\w*|winners?|winning|won|wins? (?:something|"
                    r"anything))\b", re.IGNORECASE)
_AUTHOR_CUE = re.compile(r"\b(by|(?:co-?)?author(?:s|ed)?|present(?:s|ing|ed)?|(?:co-?)?wrote|"
                         r"written|work of|"
                         r"papers? of|posters? of|from)\b|'s\b", re.IGNORECASE)
# Once an author is named, the words that give their role say nothing of a topic ("have X
# as an author", "X is a co-author", "X on the author list", "anything X worked on").
_AUTHOR_ROLE = re.compile(
    r"\b(?:as|is|among|one of)\s+(?:(?:a|an|the|one of the)\s+)?(?:co-?)?authors?(?:\s+list)?\b|"
    r"\b(?:on|in)\s+(?:the|their)\s+(?:co-?)?authors?(?:\s+list|hip)?\b|"
    r"\b(?:(?:co-?)?(?:worked|works|working|contributed|contributes|involved|collaborated)"
    r"(?:\s+(?:on|to|in|with))?|(?:co-?)?wrote|got|has|have|had)\s*[?.!]*$|"
    r"^\s*(?:everything|anything|all|stuff|things|work|whatever)\b", re.IGNORECASE)
# Words that only speak of authorship; a topic made of these and stopwords is no topic.
_AUTHOR_WORDS = frozenset("""worked work working contributed contribute contributes involved
collaborated collaborate co-wrote cowrote co-authored coauthored listed appears appear
appearing author authors co-author co-authors coauthor coauthors list names name credited
he she his her hers him they them their""".split())
# "posters that include X", "papers featuring X": a verb whose object is the author's name.
_AUTHOR_VERBS = frozenset("""include includes including feature features featuring list lists
listing name names naming credit credits crediting""".split())


def _without_author_verbs(text: str, name: str) -> str:
    """The text without the verbs that take the author's name as their object ("which papers
    feature Weizhu Chen"); "Schölkopf spurious features" keeps its topic word."""
    words = text.split()
    named = {fold(w) for w in name.replace(" and ", " ").split()}
    return " ".join(w for i, w in enumerate(words) if not (
        fold(w) in _AUTHOR_VERBS and i + 1 < len(words)
        and fold(words[i + 1]).removesuffix("'s") in named))
# Asking for a number of posters, in the usual words: "how many", "number of" ("# of" is
# normalised to it), "count the orals", "a tally of ...", "the total".
_COUNT = re.compile(r"\bhow many\b|\bnumber of\b|^count\b|\bcount\s+(?:the|of|all|up|how)\b|"
                    r"\btall(?:y|ies)\b|\btotal (?:number|count)\b|\bhow much work\b|"
                    r"\btotal (?:posters?|papers?|orals?|spotlights?)\b|\bin total\b|"
                    r"\b(?:are|is) there (?:more|fewer|less) than \d+\b|\bcount\s*[?.!]*$",
                    re.IGNORECASE)
# "more than 10 orals?": a number to compare the count with, not part of the topic
_THRESHOLD = re.compile(r"\b(?:more|fewer|less) than \d+\b|\bat (?:least|most) \d+\b",
                        re.IGNORECASE)
# "How many posters/orals/of them ..." counts posters; "how many videos ..." asks a figure.
_COUNTS_POSTERS = re.compile(
    r"\b(?:how many|number of|count (?:the|of))\s+(?:[\w-]+\s+){0,4}?(?:posters?|papers?|"
    r"works?|orals?|spotlights?|ones|talks?|presentations?|boards?|submissions?|people|groups|"
    r"teams|labs|researchers|folks|of (?:them|those|these))\b|\bcount of\b|^count\b|"
    r"\btall(?:y|ies)\b|\btotal (?:posters?|papers?)\b|"
    r"\b(?:are|is) there (?:more|fewer|less) than \d+\b",
    re.IGNORECASE)
_COMPARE = re.compile(r"\b(compar(?:e|ed|es|ing|isons?)|contrast|differ(?:s|ences?|ent)?|diff|"
                      r"versus|"
                      r"vs\.?|better|worse)\b", re.IGNORECASE)
# "How many LLMs did they test?", "how many epochs ...": a figure asked, not posters counted
# (checked after _COUNTS_POSTERS, which takes "how many federated learning posters").
_COUNTS_THINGS = re.compile(
    r"\bhow many\s+(?!(?:are|is|were|was|do|does|did|have|has|of|in|on|about|at|use|study|"
    r"focus|deal|address|tackle|mention|propose|involve|there|here)\b)[a-z][\w-]*\s+"
    r"(?:did|do|does|were|was|are|is|can|could|have|has|had)\b", re.IGNORECASE)
# A bare number names a board after a word that compares ("like 624", "624 vs 625").
_BARE_BOARD = re.compile(r"\b(?:like|than|to|vs\.?|versus|and|or|with|compare|between)\s+"
                         r"(\d{3,7})\b|^(?:what(?:'s| is)\s+)?(?:on|at)\s+(\d{3,7})\b|"
                         # "the poster at 615", "the one on 812"
                         r"\b(?:poster|paper|board|one|booth|stand)\s+(?:at|on)\s+#?(\d{3,7})\b|"
                         r"\b(\d{3,7})(?=\s*(?:,\s*)?(?:vs\.?|versus|and|or)\b)|"
                         # "tell me about 1128", "details on 1128", "1128?": a number that
                         # ends the question after a preposition, or is all of it
                         r"(?:\b(?:about|on|at|of|for|is|by|behind|from|presented|presents|"
                         r"presenting|present|showing|"
                         r"wrote|authored|made|visit|explain|describe|summari[sz]e)\s+|^)"
                         r"(\d{3,7})\s*[?.!]*$|"
                         # the subject of a question: "is 509 an oral?", "does 220 need a
                         # checkerboard?" (not "is 100 enough", "has 300 samples")
                         r"\b(?:is|was|has|can|could|will|would)\s+#?(\d{3,7})\s+"
                         r"(?!(?:times|percent|enough|samples|examples|[a-z]+s)\b)[a-z]|"
                         # "does 320 use ...", "tell me if 320 uses GPT-4": its subject
                         r"\b(?:does|did|if|whether)\s+#?(\d{3,7})\s+(?!(?:times|percent)\b)"
                         r"[a-z]",
                         re.IGNORECASE)
_SIMILAR = re.compile(r"\b(similar|(?<!-)like|related to|close to|resembl\w*|along the lines of|"
                      r"(?:in )?the spirit of|reminiscent of|akin to|"
                      r"in the same vein|same (?:topic|area) as|"
                      # "#1017, anything related?", "other posters related?"
                      r"(?:anything|something|posters?|papers?|others?|stuff|work)\s+(?:else\s+)?"
                      r"(?:closely\s+)?related)\b", re.IGNORECASE)
# Asking for posters like one described in words (not "is anyone doing X like Y").
_SIMILAR_ONLY = re.compile(r"\b(?:similar (?:to|posters?)|what else is similar|(?:posters?|"
                           r"papers?|anything|something|more|others?) (?:like|similar to) the\b|"
                           r"(?:in )?the spirit of|reminiscent of|along the lines of|"
                           r"more like (?:this|that|the))", re.IGNORECASE)
_SUMMARY = re.compile(
    r"^\s*(?:please\s+|can you\s+)?(?:summari[sz]e|give (?:me )?(?:a |an )?(?:summary|overview) "
    r"of|(?:a |an )?(?:summary|overview) of)\s+(?:all\s+)?(?:the\s+)?"
    r"(?:(?:work|research|posters|papers)\s+)?(?:(?:on|about|in)\s+)?(?P<area>.+?)[\s?.!]*$",
    re.IGNORECASE)
# "What are the main themes in graph learning?": a summary of that area.
_THEMES_OF = re.compile(
    r"^.*?\b(?:themes|trends|directions|sub-?topics|sub-?areas|threads)\s+(?:in|of|within|"
    r"across)\s+(?:the\s+)?(?P<area>.+?)(?:\s+(?:here|posters|papers|work))?[\s?.!]*$",
    re.IGNORECASE)
# A summary asked for in other words: "what's the neuroscience side of this session like?
# overview pls", "quick summary of what's there on distillation", "give me the rundown on RL".
# The area as a whole, asked of: "what's the state of RL here?", "what are people doing on
# object-centric learning?" (not "state-of-the-art X", a topic).
_SUMMARY_WORDS = (r"\b(?:summar(?:y|ies|i[sz]e)|overview|rundown|run-down|recap|tl;?dr|gist|"
                  r"synopsis|round-?up|"
                  r"big picture|lay of the land|(?:the\s+)?(?:landscape(?:\s+of)?|"
                  r"state\s+of(?![- ]the[- ]art))|"
                  r"what (?:are|is) (?:people|folks|researchers|everyone|everybody|the field) "
                  r"(?:doing|working on|up to|exploring)(?: (?:on|in|with|about))?)\b")
_SUMMARY_WORD = re.compile(_SUMMARY_WORDS, re.IGNORECASE)
_SUMMARY_AROUND = re.compile(
    _SUMMARY_WORDS + r"|\b(?:quick|short|brief|high-level|pls|please|like)\b|"
    r"\bwhat(?:'s|’s| is)(?: (?:there|here|on offer|going on))?\b|\b(?:give|get)\s+(?:me|us)\b|"
    r"\b(?:side|part|corner|end|bit|portion)\s+of\s+(?:this|the)\s+(?:session|conference|hall)\b",
    re.IGNORECASE)


def summary_area(question: str) -> str | None:
    """The area a question asks to have summarized, or None when it asks for no summary."""
    found = _SUMMARY.match(question) or _THEMES_OF.match(question)
    if found:
        return found.group("area")
    if not _SUMMARY_WORD.search(question):
        return None
    area = strip_frame(_SUMMARY_AROUND.sub(" ", question))
    return area if content_words(area) else None


_OVERVIEW = re.compile(
    r"what(?:'s| is) (?:in|at) (?:this|the) session|what (?:topics|themes|areas) |"
    r"session (?:overview|map|themes)|what does (?:this|the) session cover|"
    r"(?:summari[sz]e|overview of) (?:this|the) (?:whole )?session|"
    # "what are the main themes of this session?", "the most common topics?", "hot topics here"
    r"\b(?:main|common|major|big|biggest|key|top|popular|hot|recurring|dominant)\s+(?:research\s+)?"
    r"(?:topics|themes|areas|trends|directions|subjects)\b(?:\s+(?:in|of|at|across|covered in)"
    r"\s+(?:this|the)\s+(?:session|conference|hall|poster session)|\s+(?:here|overall))?"
    r"\s*[?.!]*$", re.IGNORECASE)
# "Is X in this session?", "Where is the X poster?", "Is there a paper called X?"
_NAMED_FRAME = re.compile(  # "named X": X starts as a name does ("a named object" does not)
    r"^(?:is|was|are)\s+(?P<a>.+?)\s+(?:(?:in|at|part of|presented (?:in|at))\s+(?:this|the)\s+"
    r"(?:session|conference|hall|poster session)\b|(?:here|presented here|around)\s*[?.!]*$)"
    r"|^where(?:'s| is| can i find)\s+(?:the\s+)?(?P<b>.+?)(?:\s+(?:poster|paper))?\s*[?.!]*$"
    r"|\b(?:called|titled|named)\s+(?P<c>[\"“'‘]?(?-i:[A-Z0-9]).+?)\s*[?.!]*$"
    # "Visual Instruction Tuning poster number?", "board number of the QLoRA paper"
    r"|^(?P<d>.+?)\s*[-—:,]?\s*(?:what(?:'s| is) (?:the|its)\s+)?(?:poster|board)\s+"
    r"(?:number|no\.?|#)\s*[?.!]*$"
    r"|\b(?:poster|board)\s+(?:number|no\.?)\s+(?:of|for)\s+(?:the\s+)?(?P<e>.+?)"
    r"(?:\s+(?:poster|paper))?\s*[?.!]*$"
    # A name, then a question about where it is: "Attention Is All You Need - is it here?",
    # "HyTrel: which board?", "Imitation Learning from Vague Feedback, where is it"
    r"|^(?P<f>.+?)(?:\s*[—–:;,.?!(]|\s+-)\s*(?:(?:is|are)\s+(?:it|that|this|they)\s+(?:here|in\s+"
    r"(?:this|the)\s+session|presented(?:\s+here)?|around|on display)|where(?:'s| is)?"
    r"(?:\s+(?:it|that))?(?:\s+(?:located|found|shown|displayed))?|where\s+(?:can|do|should|"
    r"could|would)\s+(?:i|we)\s+(?:find|see|go|look)(?:\s+(?:it|that|this|to|for it))?|"
    r"what(?:'s|’s| is)\s+(?:its|the)\s+(?:board|booth|poster)(?:\s+(?:number|no\.?|#))?|"
    r"(?:which|what)\s+(?:board|booth|poster\s+number|number)(?:\s+(?:is|was))?"
    r"(?:\s+(?:it|that|this)(?:\s+one)?)?(?:\s+(?:on|at|in))?)\s*\)?\s*[?.!]*$",
    re.IGNORECASE)
# Words that frame a request and carry no topic ("Which posters are about ...").
_FRAME = re.compile(
    r"^(?:so\s+|ok(?:ay)?\s+|and\s+|hey\s+|hi\s+|please\s+)*"
    r"(?:(?:can|could) you\s+)?(?:please\s+)?"
    r"(which|what|who(?:'s| is| are)|are there|is there|is anyone|any|anyone|anything|show me|"
    r"list|find|give me|"
    r"tell me about|how many|i(?:'m| am) (?:looking|searching|hunting) for|(?:looking|"
    r"searching|hunting) for|i want|i need)"
    r"(?: (?:of (?:the|all)|the|all|other))?"
    r"(?: posters?| papers?| works?| research| studies| presentations?| boards?| people| groups|"
    r" teams| labs| researchers| folks)?"
    r"(?: (?:are|is|that|which|on|about|doing|presenting|working on|tackle|tackles|address|"
    r"addresses|deal with|study|studies|use|using|there|here|in this session|of them|"
    r"exist|focus on|focused on|look at|looking at))*\b", re.IGNORECASE)
_TAIL = re.compile(r"\s*(?:in|at) (?:this|the) (?:session|conference|hall)\s*[?.!]*$|"
                   r"\s*\bon (?:display|show|view)\b(?:\s+(?:here|today))?\s*[?.!]*$|"
                   r"\s*\b(?:are there|exist|please)\s*[?.!]*$", re.IGNORECASE)
# Follow-ups that refer to the previous answer.
ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3,
            "4th": 3, "fifth": 4, "5th": 4, "sixth": 5, "seventh": 6, "eighth": 7, "ninth": 8,
            "tenth": 9, "last": -1}
_ORDINAL = re.compile(r"\b(?:the\s+)?(" + "|".join(ORDINALS) + r")\b"
                      r"(?:\s+(?:one|poster|paper|result|of (?:them|those|these)))?",
                      re.IGNORECASE)
_AMONG = re.compile(r"\b(?:which|what|any|how many|do any|does any|are any|is any)\s+"
                    r"(?:ones?\s+)?(?:of\s+)?(?:those|these|them|the above)\b|"
                    r"^(?:and\s+|so\s+)?which (?:one|ones|are|is|were)\b|"
                    r"\b(?:out\s+)?(?:of|among|from)\s+(?:those|these|them)\b|"
                    # "of the ones you listed", "among the posters above"
                    r"\b(?:of|among|from)\s+(?:the\s+)?(?:ones|posters|papers|results)\s+"
                    r"(?:(?:that\s+)?you(?:'ve)?\s+(?:just\s+)?\w+|above|shown|listed|mentioned)",
                    re.IGNORECASE)
_IT = re.compile(r"\b(it|its|that one|this one|that poster|this poster|that paper|this paper|"
                 r"the poster|the paper|they|their|them)\b", re.IGNORECASE)
_WHAT_ABOUT = re.compile(r"^(?:(?:and|now|then|but|so)[\s,]+)*(?:what|how)\s+about\s+(?P<t>.+?)"
                         r"(?:\s+(?:then|instead|too|now))?[\s?.!]*$|"
                         r"^and\s+(?:for|on|about|with)?\s*(?P<u>.+?)[\s?.!]*$|"
                         r"^(?:and\s+|ok\s+|okay\s+)?(?:the\s+)?same\s+(?:thing\s+|question\s+)?"
                         r"(?:but\s+)?(?:for|on|about|with)\s+(?P<v>.+?)[\s?.!]*$", re.IGNORECASE)
# A question that continues the previous one rather than asking afresh ("and in the 1100s?",
# "only the orals", "what about spotlights?"); "What is X presenting?" starts afresh.
_CONTINUES = re.compile(r"^\s*(?:and|but|only|just|now|then|also|same|what about|how about|"
                        r"ok(?:ay)?,?\s+(?:and|now|what about))\b", re.IGNORECASE)
# "and the one that does it for diffusion models?", "anyone doing that on graphs?", "any that
# apply this to video?": the conversation's subject, done for something else.
_DOES_IT_FOR = re.compile(
    r"^(?:(?:and|ok(?:ay)?|so|what about|how about)[\s,]+)*(?:(?:the|any|which)\s+)?"
    r"(?:one|ones|posters?|papers?|work|anyone|anybody|someone)?\s*(?:that|which|who)?\s*"
    r"(?:does|do|did|doing|applies|apply|applying|uses|use|using|tries|try|trying)\s+"
    r"(?:it|this|that|so|the same(?: thing)?)\s+(?P<joiner>for|on|with|in|to)\s+(?P<x>.+?)"
    r"[\s?.!]*$", re.IGNORECASE)
# "show me more", "more please", "any others?", "next": the rest of the last answer's results.
_MORE = re.compile(r"^(?:(?:ok(?:ay)?|and|so|great|thanks|nice|cool)[\s,!]+)*"
                   r"(?:(?:can|could) you\s+)?(?:(?:show|give|list|tell|send)\s+(?:me\s+|us\s+)?"
                   r"(?:some\s+|a\s+few\s+|the\s+)?|any\s+|what\s+|are there\s+(?:any\s+)?|"
                   r"(?:is there\s+)?(?:any|some)thing\s+(?=else\b))?"
                   r"(?:more|others?|next(?:\s+ones?|\s+page|\s+batch)?|the rest|else)"
                   r"(?:\s+(?:results?|posters?|papers?|ones?|of (?:them|those|these)|"
                   r"like (?:that|those)|please|pls))*\s*[?.!]*$|"
                   r"^(?:keep going|go on|continue)\s*[?.!]*$", re.IGNORECASE)
# "the first two", "the 2nd and 3rd": several posters of the previous answer by position.
_FIRST_N = re.compile(r"\b(?:the\s+)?(?:first|top)\s+(two|three|four|2|3|4)\b", re.IGNORECASE)
_SMALL_NUMBERS = {"two": 2, "three": 3, "four": 4, "2": 2, "3": 3, "4": 4, "both": 2}
# "summarize them", "an overview of those": the pronoun stands for the previous answer's area.
_PRONOUN_ONLY = re.compile(r"^(?:all\s+)?(?:of\s+)?(?:them|those|these|it|this|that|"
                           r"the(?:se|m)? (?:posters|papers|ones|results)|(?:(?:the|this|that)\s+)?"
                           r"(?:area|field|topic|subject|theme|direction))$", re.IGNORECASE)
# "its first author", "the last author": a place among a poster's authors, not in a list
_AUTHOR_PLACE = re.compile(r"\b(first|lead|leading|main|last|senior)[\s-]+authors?\b",
                           re.IGNORECASE)
_ONLY = re.compile(r"^(?:and\s+)?(?:only|just)\s+(?:the\s+)?|^(?:and\s+)?(?:what about|how "
                   r"about)\s+(?:the\s+|just the\s+|only the\s+)?(?=(?:orals?|spotlights?)\b)",
                   re.IGNORECASE)
_WHO = re.compile(r"\b(who (?:wrote|authored|made|presents|presented|is presenting|did|are|"
                  r"(?:is|was|are|were) behind)|who(?:'s|’s) behind|authors?|"
                  r"written by)\b", re.IGNORECASE)
_CARD = re.compile(r"^(?:what(?:'s| is)|tell me about|show me|more about|details (?:of|on)|"
                   r"describe|explain)\b", re.IGNORECASE)
# What a poster's card shows, asked of posters a filter names ("the abstract of the runner-up")
_CARD_WORDS = frozenset("abstract abstracts summary summaries details description descriptions "
                        "card cards info information title titles overview".split())
_LIST_WORDS = frozenset("""which what who are is the a an all list show me give of in this
session posters poster papers paper there any were was kind kinds type types how many please
presented presenting selected here at did do does get got have has with about on for to and or
that can find see i we you presentations presentation boards board number numbers between from
through until only just those these them ones one count total""".split())
STOP = frozenset("""a about above after again all also am an and any are as at be because been
before being between both but by can could did do does doing down during each few for from
further had has have having he her here hers him his how i if in into is it its itself just me
more most my no nor not now of off on once only or other our out over own same she should so some
such than that the their theirs them then there these they this those through to too under
until up very was we were what when where which while who whom why will with would you your
yours anyone anybody someone poster posters paper papers work works session presenting
presented show tell find looking something""".split())


@dataclass(frozen=True)
class Plan:
    """What a question asks, as the executor needs it (see module docstring)."""

    intent: str = "search"
    topic: str = ""
    kinds: frozenset[str] | None = None
    board_min: int | None = None
    board_max: int | None = None
    authors: tuple[str, ...] = ()
    author_boards: frozenset[int] | None = None
    award: bool = False
    boards: tuple[int, ...] = ()  # posters the question names (board, title, acronym, "it")
    missing: tuple[str, ...] = ()  # what it names that the session does not have
    within: frozenset[int] | None = None  # only these: "which of those ..."
    asks: str = ""  # for a named poster: the question asked of it ("" = show its card)
    typed: str = ""  # the topic as typed, when a typo in it was corrected
    by: str = "rules"  # who read the intent: "rules", or "llm" (POSTERS_LLM_PLANNER)
    in_title: bool = False  # the topic must be in the title ("with 'distillation' in the title")
    excluding: str = ""  # posters saying this are left out ("diffusion, but not for images")
    versus: str = ""  # a second topic counted beside the first ("more on RL or on diffusion?")
    # The conversation before this turn, for follow-ups that reach past the last answer
    # ("what's at 1126?", "and 1220?", "compare the two"): the poster each earlier turn led
    # with, latest first, and the topic it was on. Context, not what is asked: two plans that
    # ask the same are equal whatever came before.
    earlier: tuple[int, ...] = field(default=(), compare=False)
    thread: str = field(default="", compare=False)
    # The last list of posters the conversation showed, in order, for "the second one" after
    # a turn about its first ("the first one" ... "and the second?").
    listed: tuple[int, ...] = field(default=(), compare=False)

    def poster_filter(self, base: PosterFilter) -> PosterFilter:
        """The plan's filters on top of the user's (the app's checkboxes, --session)."""
        allowed = self.author_boards
        if self.within is not None:
            allowed = self.within if allowed is None else allowed & self.within
        if base.boards is not None:
            allowed = base.boards if allowed is None else allowed & base.boards
        kinds = self.kinds if base.kinds is None else (
            base.kinds if self.kinds is None else base.kinds & self.kinds)
        lo = max(v for v in (self.board_min, base.board_min, -1) if v is not None)
        hi = min(v for v in (self.board_max, base.board_max, 10**9) if v is not None)
        return PosterFilter(kinds=kinds, board_min=None if lo < 0 else lo,
                            board_max=None if hi >= 10**9 else hi, session=base.session,
                            boards=allowed)

    def has_filters(self) -> bool:
        return bool(self.kinds or self.board_min is not None or self.board_max is not None
                    or self.author_boards is not None or self.award or self.in_title)

    def to_json(self) -> dict:
        data = asdict(self)
        for key in ("kinds", "author_boards", "within"):
            order = None if key == "kinds" else _ref_order
            data[key] = sorted(data[key], key=order) if data[key] is not None else None
        data["boards"], data["authors"], data["missing"] = (list(self.boards), list(self.authors),
                                                            list(self.missing))
        data["earlier"], data["listed"] = list(self.earlier), list(self.listed)
        return data

    @classmethod
    def from_json(cls, data: dict) -> Plan:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        for key in ("kinds", "author_boards", "within"):
            if known.get(key) is not None:
                known[key] = frozenset(known[key])
        for key in ("boards", "authors", "missing", "earlier", "listed"):
            known[key] = tuple(known.get(key) or ())
        return cls(**known)


@dataclass
class Previous:
    """The previous turn as follow-ups need it: its plan, and the posters of its answer in
    the order shown, then the rest of its result set."""

    question: str
    plan: Plan
    results: list[int] = field(default_factory=list)
    shown: int = 0  # how many of `results` its answer cited (0: not known)


def previous_of(turn: Any, catalog: CardIndex, titles: TitleIndex) -> Previous:
    """The previous turn for follow-ups: its own plan and result set when it kept them (the
    app, `ask --history`), else re-read from its question and the boards its answer cited."""
    plan = turn.plan if isinstance(turn.plan, Plan) else None
    if plan is None and isinstance(turn.plan, dict):
        try:
            plan = Plan.from_json(turn.plan)
        except (TypeError, ValueError):  # a hand-edited history: read the question again
            plan = None
    plan = plan or fresh_plan(turn.question, catalog, titles)
    results = list(dict.fromkeys([*turn.boards, *(turn.results or [])]))
    return Previous(turn.question, plan, results, len(dict.fromkeys(turn.boards)))


# --- the plan an LLM reads ---------------------------------------------------------------

class LLMReading(BaseModel):
    """What a model says a question asks: the intent (one of INTENTS) and the topic. Boards,
    ranges, kinds, authors and titles stay with the rules (a fixed form, the session's lists)."""

    model_config = ConfigDict(extra="forbid")
    intent: Literal["search", "count", "named", "poster", "compare", "similar", "summarize",
                    "overview"]
    topic: str


def llm_plan(reply: str, rules: Plan) -> Plan | None:
    """The rules' plan with the model's intent and topic, or None when the reply is not a
    valid reading or does not fit what the rules found (a comparison of one poster)."""
    try:
        reading = LLMReading.model_validate_json(reply)
    except ValidationError:
        return None
    topic = reading.topic.strip()
    if len(topic) > 300:  # not a topic: the model rambled
        return None
    needs = {"poster": 1, "compare": 2, "similar": 1}.get(reading.intent, 0)
    if len(rules.boards) < needs and not topic:
        return None
    if reading.intent == "summarize" and not topic:
        return None
    return replace(rules, intent=reading.intent, topic=topic, by="llm")


# --- authors ---

@dataclass
class AuthorMatch:
    label: str  # the names as printed, joined by "and"
    boards: list[int]


_LONGEST_NAME = 6  # words; full names are looked up among the question's runs of words


# A person named after an author cue, or owning posters: "posters by Geoffrey Hinton", "what
# is Yann LeCun presenting?", "Fei-Fei Li's posters" ("from" is more often a lab: "work from
# Google DeepMind").
_PERSON = r"((?-i:[A-Z][\w'’-]+)(?:\s+(?-i:[A-Z])[\w'’.-]*){1,2})"
_NAMED_PERSON = re.compile(
    rf"\bby\s+{_PERSON}|\b(?:is|are|does)\s+{_PERSON}\s+(?:presenting|present|here)\b|"
    rf"{_PERSON}(?:'s|’s)\s+(?:posters?|papers?|work)\b", re.IGNORECASE)


def absent_author(question: str, known: frozenset[str]) -> str | None:
    """The name of a person the question asks for as an author, when no author matched it:
    capitalised words of which one neither the session's text uses (`known`) nor English
    does ("Geoffrey Hinton", "Fei-Fei Li"; not "by Reinforcement Learning")."""
    for found in _NAMED_PERSON.finditer(question):
        name = next(g for g in found.groups() if g).strip()
        words = [fold(w).removesuffix("'s").removesuffix("’s") for w in name.split()]
        if any(len(w) >= 3 and w not in known and w not in _english() for w in words):
            return name
    return None


def match_author(question: str, cards: Iterable[Poster] | CardIndex,
                 known: frozenset[str] = frozenset()) -> AuthorMatch | None:
    """Full names anywhere in the question; a lone surname after an author cue, or without
    one when it can be nothing else: no English word and no word the session's own text uses
    (`known`, see `TitleIndex.known`) - "schölkopf spurious features"."""
    index = cards if isinstance(cards, CardIndex) else index_cards(cards)
    words = folded_words(question)
    runs = {" ".join(words[i:j]) for i in range(len(words))
            for j in range(i + 1, min(len(words), i + _LONGEST_NAME) + 1)}
    full = [key for key in runs if key in index.by_name]
    if not full and _AUTHOR_CUE.search(question):
        # A surname that is also a word ("get by scaling down the long skip connection")
        # names a person only when capitalised, unless nothing in the question is.
        cased = question != question.lower()
        capitalised = {fold(w).removesuffix("'s").removesuffix("’s")  # "Sudderth's"
                       for w in re.findall(r"\b[A-Z][\w'’-]*", question)}
        full = [index.by_surname[w][0] for w in set(words)
                if len(w) > 3 and len(index.by_surname.get(w, [])) == 1
                and (not cased or w in capitalised)]
    if not full and known:
        full = [index.by_surname[w][0] for w in set(words)
                if len(w) >= 5 and len(index.by_surname.get(w, [])) == 1
                and w not in known and w not in _english()]
    if not full and len(words) == 1 and len(index.by_surname.get(words[0], [])) == 1 and (
            words[0] not in known):
        # a question that is one author's surname alone ("Löwe?"), though also a word of
        # English, and none of the posters' text
        full = index.by_surname[words[0]][:1]
    if not full:
        return None
    # A longer name inside the question wins over a shorter one it contains.
    full = [k for k in full if not any(k != other and f" {k} " in f" {other} " for other in full)]
    full.sort(key=list(index.by_name).index if len(full) > 1 else None)
    # Refs: boards, and "S3 #812" where sessions reuse a board (assistant.citations).
    boards = sorted({b for key in full for b in index.by_name[key]}, key=_ref_order)
    return AuthorMatch(" and ".join(index.display[k] for k in full), boards)


def _name_said(board: int, question: str, titles: TitleIndex) -> list[str]:
    """The words of the name ("ASL Citizen", "QLoRA") by which the question names `board`,
    or [] when it names it by its title's words."""
    words = _title_words(question)
    runs = {"".join(words[i:j]): words[i:j] for i in range(len(words))
            for j in range(i + 1, min(len(words), i + 4) + 1)}
    spaced = " ".join(words)
    said: list[list[str]] = []
    for name, boards in titles.names.items():
        if board in boards and name in runs:  # "qlora", "uni3detr" ("uni 3 detr")
            said.append(runs[name])
        elif board in boards and " " in name and f" {name} " in f" {spaced} ":
            said.append(name.split())  # "asl citizen", "monarch mixer"
    # the longest name said ("ASL Citizen", not its "ASL"), whatever order names were found in
    return max(said, key=lambda w: (len(w), w), default=[])


def _ref_order(ref: int | str) -> tuple[int, str]:
    """Refs in board order (a board several sessions reuse: by session label)."""
    return (ref, "") if isinstance(ref, int) else (int(ref.rsplit("#", 1)[1]), ref)


# --- titles -------------------------------------------------------------------------------

@dataclass
class TitleIndex:
    """Each poster's title words and names ("LinkerNet", "Uni3DETR", "Monarch Mixer")."""

    words: dict[int, list[str]]  # board -> folded title words
    names: dict[str, set[int]]  # folded name -> boards (acronyms, pre-colon names)
    _lookup: _TitleWords | None = field(default=None, repr=False, compare=False)
    known: frozenset[str] = field(default=frozenset(), repr=False, compare=False)  # every
    # word and joined token ("gpt4") the session's titles and abstracts use

    def lookup(self) -> _TitleWords:
        """The titles' words by their one-letter deletions (built at the first question)."""
        if self._lookup is None:
            self._lookup = _TitleWords.of(self.words, self.names)
        return self._lookup


_NAMES_OWN = re.compile(r"(?:\bwe\s+(?:propose|introduce|present|develop|design|release|call|"
                        r"dub|name|term|coin|curate|build|construct|create|collect|contribute)|"
                        r"\b(?:called|dubbed|named|termed|coined)|\brefer to "
                        r"[^.]{0,60}?\bas)\s+(?:(?:a|an|the|our|it|this|them|new|novel)\s+){0,2}"
                        r"[\"“]?([A-Za-z][\w-]*[A-Za-z0-9])", re.IGNORECASE)


# A sentence where the poster names its own method, and the short name it defines there:
# "this paper presents Parameter-Efficient and Quantization-aware Adaptation (PEQA)".
_NAMING = re.compile(r"\b(?:we|this (?:paper|work)|our (?:paper|work))\s+(?:\w+\s+)?(?:propos|"
                     r"introduc|present|develop|design|releas|call|dub|nam|term|coin)\w*|"
                     r"\b(?:called|dubbed|named|termed|coined)\b", re.IGNORECASE)
_DEFINED_NAME = re.compile(r"\(([A-Za-z][\w-]*[A-Z][\w-]*)\)")


def _title_words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", fold(_MATH.sub(_math_letters, text)))


_MATH = re.compile(r"\$([^$]*)\$")


def _math_letters(math: re.Match) -> str:
    """What a reader types of a title's math: its letters and digits ("M$^{2}$SODAI" is
    "M2SODAI"), without the markup or commands."""
    return re.sub(r"\\[A-Za-z]+|[^A-Za-z0-9]", "", math.group(1))


def _coined(token: str) -> bool:
    return bool(re.search(r"[a-z][A-Z]", token) or (
        re.search(r"\d", token) and re.search(r"[A-Za-z]", token)))


@cache
def _english() -> frozenset[str]:
    """Common English words (the embedding model's whole-word vocabulary)."""
    from assistant.embedding import dictionary_words

    return dictionary_words()


def index_titles(cards: Iterable[Poster]) -> TitleIndex:
    cards = list(cards)
    words: dict[int, list[str]] = {}
    names: dict[str, set[int]] = {}
    for card in cards:
        title = card.title
        words[card.ref] = _title_words(title)
        # The title's head before a colon or question mark names the paper too ("Monarch
        # Mixer", "Is Your Code Generated by ChatGPT Really Correct"): said whole, in order.
        head = re.split(r"[:?]", title, maxsplit=1)[0] if re.search(r"[:?].", title) else ""
        candidates = set()
        if head and len(head.split()) <= 8:
            candidates.add(" ".join(_title_words(head)))
        # A method the abstract names as its own ("we propose FedSTO", "we refer to it as
        # SA3D") names the poster as its title does.
        abstract = card.abstract
        own = {"".join(_title_words(name)) for name in _NAMES_OWN.findall(abstract)
               if _coined(name) or (name.isupper() and len(name) >= 3)}
        # ... and the short name it defines in that sentence, capitals only or not ("PEQA")
        own |= {"".join(_title_words(short)) for naming in _NAMING.finditer(abstract)
                for short in _DEFINED_NAME.findall(abstract[naming.end():naming.end() + 120])
                if len(short) >= 4}
        # A coined name that is also an English word ("HiDe", "CaST") would be said in
        # passing ("hide a secret picture"): only the title's own count then.
        candidates |= {name for name in own if name not in _english()}
        for token in re.findall(r"[A-Za-z0-9][\w$^{}-]*", title):
            plain = "".join(_title_words(token))
            # A coined name turns to a capital mid-word or mixes letters and digits
            # ("LinkerNet", "QLoRA", "Uni3DETR"); an all-capital acronym ("MILP") names a
            # field and a capitalised word ("In-Context") is title case, unless either heads
            # the title.
            if len(plain) >= 4 and _coined(token):
                candidates.add(plain)
        for name in candidates - {""}:
            names.setdefault(name, set()).add(card.ref)
    # "NeRF" turns to a capital mid-word too, but many posters use it: a field's term, not a
    # paper's name. A name is kept when at most one poster's text uses it.
    used: dict[str, int] = {}
    for card in cards:
        text = fold(re.sub(r"\$[^$]*\$", "", f"{card.title} {card.abstract}"))
        # "GPT-4" is used as "gpt4" too: the tokens with a joint, joined
        tokens = {"".join(re.findall(r"[a-z0-9]+", t)) for t in text.split()
                  if "-" in t or "_" in t}
        for word in set(re.findall(r"[a-z0-9]+", text)) | tokens:
            used[word] = used.get(word, 0) + 1
    names = {name: boards for name, boards in names.items()
             if " " in name or (used.get(name, 0) <= 1 and not (
                 name.endswith("s") and used.get(name[:-1], 0) > 1))}  # "DAGs": the field's
    return TitleIndex(words, names, known=frozenset(used))


def _near(a: str, b: str) -> bool:
    """Equal, or one edit apart for words of five letters or more (a typo)."""
    if a == b:
        return True
    if max(len(a), len(b)) < 5 or min(len(a), len(b)) < 4 or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


@lru_cache(maxsize=1 << 16)
def _deletions(word: str) -> frozenset[str]:
    """The word and the word with any one letter deleted: two words one edit apart share one
    (a substitution, a transposition, a letter more or less)."""
    return frozenset({word, *(word[:i] + word[i + 1:] for i in range(len(word)))})


@dataclass
class _TitleWords:
    """The session's title words (and the words of its names of two or more words) by their
    one-letter deletions, and the titles that use each: the title words near a question's
    words are then found from the question's few words, not by a pass over every title."""

    by_variant: dict[str, set[str]]  # one-letter deletion -> title and name words with it
    boards: dict[str, list[int]]  # title content word -> boards, once per use in a title
    need: dict[int, int]  # board -> near words its title needs (3+ content words only)
    order: dict[int, int]  # board -> its place among the titles
    phrases: dict[str, list[str]]  # name of two or more words -> its words
    # two neighbouring title words typed as one ("spikedriven" for "Spike-driven", "monarchmixer")
    pairs: dict[str, tuple[str, str]] = field(default_factory=dict)

    @classmethod
    def of(cls, words: dict[int, list[str]], names: Iterable[str]) -> _TitleWords:
        content = {board: [w for w in title if w not in STOP] for board, title in words.items()}
        content = {board: title for board, title in content.items() if len(title) >= 3}
        boards: dict[str, list[int]] = {}
        for board, title in content.items():
            for word in title:
                boards.setdefault(word, []).append(board)
        phrases = {name: name.split() for name in names if len(name.split()) >= 2}
        by_variant: dict[str, set[str]] = {}
        for word in {*boards, *(w for parts in phrases.values() for w in parts)}:
            for variant in _deletions(word):
                by_variant.setdefault(variant, set()).add(word)
        pairs = {a + b: (a, b) for title in words.values() for a, b in pairwise(title)
                 if len(a) >= 2 and len(b) >= 2}
        return cls(by_variant, boards,
                   {board: max(3, round(0.8 * len(title))) for board, title in content.items()},
                   {board: i for i, board in enumerate(content)}, phrases, pairs)

    def split_joined(self, words: list[str]) -> list[str]:
        """`words` with a word that is two neighbouring title words run together
        ("spikedriven", "monarchmixer") written as those two words; a word a title uses as
        one ("dataset") or a stopword stays."""
        return [part for w in words for part in (
            self.pairs[w] if w in self.pairs and w not in self.boards and w not in STOP
            else (w,))]

    def near(self, words: list[str]) -> set[str]:
        """The title and name words `_near` some of `words`."""
        return {w for q in set(words) for v in _deletions(q) for w in self.by_variant.get(v, ())
                if _near(w, q)}


def _near_phrase(name: str, words: list[str], close: set[str] | None = None) -> bool:
    """A name of two or more words said with a typo ("monarch mixr"); `close`: the words
    near the question's (`_TitleWords.near`), when known."""
    parts = name.split()
    if len(parts) < 2:
        return False
    if close is not None and not all(part in close for part in parts):
        return False  # some word of the name is nowhere near the question
    return any(all(_near(part, word) for part, word in zip(parts, words[i:i + len(parts)],
                                                            strict=False))
               and len(words[i:i + len(parts)]) == len(parts)
               for i in range(len(words)))


def match_titles(question: str, titles: TitleIndex, asked: str = "") -> list[int]:
    """Boards whose name or title the question names: a coined name or acronym ("linkernet",
    "Uni3DETR"), or most of a title's words in order (a word may be missing or misspelt).
    `asked`: the name the question asks for ("Is 'Scaling Laws for Neural Language Models'
    here?"), when it has one; a title matched by its words must then hold most of that name
    too (not only the name most of the title's, as "The Quantization Model of Neural Scaling"
    does)."""
    lookup = titles.lookup()
    words = lookup.split_joined(_title_words(question))
    joined = {"".join(words[i:j]) for i in range(len(words))
              for j in range(i + 1, min(len(words), i + 4) + 1)}
    spaced = {" ".join(words[i:j]) for i in range(len(words))
              for j in range(i + 1, min(len(words), i + 4) + 1)}
    close = lookup.near(words)
    found = [b for name, boards in titles.names.items()
             if name in joined or name in spaced or _near_phrase(name, words, close)
             for b in sorted(boards, key=_ref_order)]
    hits: dict[int, int] = {}  # board -> its title's words near the question's
    for word in close:
        for board in lookup.boards.get(word, ()):
            hits[board] = hits.get(board, 0) + 1
    wanted = [w for w in _title_words(asked) if w not in STOP and w not in _NOISE]
    hits = {b: n for b, n in hits.items() if not wanted or 3 * sum(
        any(_near(w, t) for t in titles.words[b]) for w in wanted) >= 2 * len(wanted)}
    found += sorted((b for b, n in hits.items() if n >= lookup.need[b] and b not in found),
                    key=lookup.order.__getitem__)
    # A paper asked for by a few of its title's words, one of them in no other title ("the
    # Goldilocks implicature paper"): the one title holding every word the question asks.
    if wanted and len(wanted) >= 2 and not found:
        holding = [b for b in hits if all(any(_near(w, t) for t in titles.words[b])
                                          for w in wanted)]
        if len(holding) == 1 and any(
                len(lookup.boards.get(t, ())) == 1 for t in titles.words[holding[0]]
                if any(_near(w, t) for w in wanted)):
            found.append(holding[0])
    # A title quoted from its start, four words or more and three of substance ("fast
    # projected newton-like method", "schema learning and rebinding"): the one title that
    # opens so. Three words are a topic as often ("graph contrastive learning").
    opening = [b for b, n in hits.items() if n >= 3 and _opens(titles.words[b], words)]
    if len(opening) == 1 and opening[0] not in found:
        found.append(opening[0])
    return list(dict.fromkeys(found))


def _opens(title: list[str], words: list[str]) -> bool:
    """Whether `words` hold the title's first four words or more, in order, three of them of
    substance (a typo allowed in each), and nothing of substance after them that the title
    does not say: "large language models for legal documents" is a topic that opens as
    "Large Language Models for Automated Data Science" does, not that title."""
    for i in (i for i, w in enumerate(words) if title and _near(title[0], w)):
        run = 0
        while i + run < len(words) and run < len(title) and _near(title[run], words[i + run]):
            run += 1
        after = [w for w in words[i + run:] if w not in STOP and w not in _NOISE]
        if run >= 4 and sum(w not in STOP for w in title[:run]) >= 3 and all(
                any(_near(w, t) for t in title) for w in after):
            return True
    return False


# --- acronyms ----------------------------------------------------------------------------

_DEFINED = re.compile(r"((?:[A-Za-z][\w'-]*\s+){1,8})\(([A-Z][A-Za-z0-9]*[A-Z][A-Za-z0-9]*?)s?\)")
_ACRONYM = re.compile(r"\b([A-Z][A-Za-z0-9]*[A-Z][A-Za-z0-9]*?)(s?)\b")
_SMALL = frozenset("of for and the to in on with a an by via".split())


def _initials(words: list[str]) -> str:
    """ "Bayesian optimization" -> "bo"; "vision-language model" -> "vlm"."""
    return "".join(part[0] for w in words if w.lower() not in _SMALL
                   for part in w.split("-") if part).lower()


def acronyms(texts: Iterable[str]) -> dict[str, str]:
    """The session's own acronyms, from where its abstracts define them ("Bayesian
    optimization (BO)" -> {"BO": "Bayesian optimization"}); an acronym defined two ways keeps
    its most frequent long form, and one defined as often both ways is left out."""
    seen: dict[str, dict[str, int]] = {}
    for text in texts:
        for before, short in _DEFINED.findall(text):
            words = before.split()
            for m in range(1, len(words) + 1):
                if _initials(words[-m:]) == short.lower():
                    long_form = " ".join(words[-m:]).lower()
                    forms = seen.setdefault(short, {})
                    forms[long_form] = forms.get(long_form, 0) + 1
                    break
    table = {}
    for short, forms in seen.items():
        ranked = sorted(forms.values(), reverse=True)
        if len(ranked) == 1 or ranked[0] > ranked[1]:
            table[short] = max(forms, key=forms.get)
    return table


# The field's common acronyms, for those a session uses without defining them ("I'm into BO"):
# a session's own definitions win over these (see `OpenedStore.acronyms`).
FIELD_ACRONYMS = {
    "BO": "Bayesian optimization", "RL": "reinforcement learning",
    "MARL": "multi-agent reinforcement learning",
    "RLHF": "reinforcement learning from human feedback", "GNN": "graph neural network",
    "GNNs": "graph neural networks", "GCN": "graph convolutional network",
    "LLM": "large language model", "LLMs": "large language models",
    "VLM": "vision-language model", "NeRF": "neural radiance field",
    "VAE": "variational autoencoder", "GAN": "generative adversarial network",
    "ViT": "vision transformer", "SNN": "spiking neural network", "FL": "federated learning",
    "OOD": "out-of-distribution", "NAS": "neural architecture search",
    "KD": "knowledge distillation", "MCTS": "Monte Carlo tree search",
    "HPO": "hyperparameter optimization", "ICL": "in-context learning",
    "CoT": "chain-of-thought", "SSL": "self-supervised learning",
    "MIL": "multiple instance learning", "GP": "Gaussian process",
    "MCMC": "Markov chain Monte Carlo", "SGD": "stochastic gradient descent",
    "PINN": "physics-informed neural network", "ODE": "ordinary differential equation",
    "SDE": "stochastic differential equation", "PDE": "partial differential equation",
    "NLP": "natural language processing", "ASR": "automatic speech recognition",
    "TTS": "text-to-speech", "VQA": "visual question answering",
    "OCR": "optical character recognition", "MoE": "mixture of experts",
    "PEFT": "parameter-efficient fine-tuning", "LoRA": "low-rank adaptation",
    "DP": "differential privacy", "MDP": "Markov decision process",
    "POMDP": "partially observable Markov decision process",
    "IRL": "inverse reinforcement learning", "SLAM": "simultaneous localization and mapping",
    "EEG": "electroencephalography", "MRI": "magnetic resonance imaging",
    "ECG": "electrocardiogram", "DAG": "directed acyclic graph",
    "CATE": "conditional average treatment effect", "SCM": "structural causal model",
    "PCA": "principal component analysis", "HMM": "hidden Markov model",
    "RNN": "recurrent neural network", "CNN": "convolutional neural network",
    "LSTM": "long short-term memory", "MLP": "multilayer perceptron",
    "SVM": "support vector machine", "TTA": "test-time adaptation",
    "UDA": "unsupervised domain adaptation", "OT": "optimal transport",
    "SDF": "signed distance function", "BEV": "bird's-eye view",
    "DRO": "distributionally robust optimization", "MAML": "model-agnostic meta-learning",
    "XAI": "explainable artificial intelligence", "NTK": "neural tangent kernel",
    "ERM": "empirical risk minimization", "IRM": "invariant risk minimization",
}


# Acronyms a title spells out ("LMs" in "Scaling Data-Constrained LMs").
_TITLE_ACRONYMS = {**FIELD_ACRONYMS, "LM": "language model", "NN": "neural network",
                   "DNN": "deep neural network", "SNN": "spiking neural network"}


def _spell_out(text: str) -> str:
    """The text with the field's acronyms (and their plurals) spelt out, for title matching."""
    def spell(match: re.Match) -> str:
        word = match.group(0)
        if word in _TITLE_ACRONYMS:
            return _TITLE_ACRONYMS[word]
        if word.endswith("s") and word[:-1] in _TITLE_ACRONYMS:
            return _TITLE_ACRONYMS[word[:-1]] + "s"
        return word
    return re.sub(r"\b[A-Z][A-Za-z]*[A-Z]s?\b", spell, text)


def expand_acronyms(topic: str, table: dict[str, str], is_rare,
                    written: dict[str, str] | None = None) -> str:
    """The topic with each acronym the session defines, and rarely writes, spelled out ("BO"
    -> "Bayesian optimization"); a common one ("LLM") is left for the rankers, who know it.
    `written`: names the session writes with capitals, by their lower case ("lora": LoRA),
    so a name typed in lower case is that name."""
    words = re.findall(r"[A-Za-z][\w'-]*", topic)

    def spelt_otherwise(short: str, long_form: str) -> bool:
        """The topic spells the acronym out itself, otherwise than the session does
        ("differentially private ... DP-SGD", where the session's DP is "dataset pruning"):
        its meaning here is the question's."""
        def plain(text: str) -> list[str]:
            return [stem(part) for part in re.split(r"[\s-]+", fold(text)) if part]
        return any(_initials(run) == short.lower() and plain(" ".join(run)) != plain(long_form)
                   for i in range(len(words)) for m in range(2, 6)
                   if short not in (run := words[i:i + m]))

    def spell(match: re.Match) -> str:
        long_form = table.get(match.group(1))
        if long_form is None or not is_rare(match.group(1)) or spelt_otherwise(
                match.group(1), long_form):
            return match.group(0)
        return long_form
    topic = capitalised_acronyms(topic, table, written)
    alone = _ACRONYM.fullmatch(topic.strip())
    if alone and alone.group(1) in table and not is_rare(alone.group(1)):
        # An acronym asked of alone ("GNN posters") is its posters whether they write it or
        # spell it out: both, as alternatives.
        return f"{topic.strip()} / {table[alone.group(1)]}"
    return _ACRONYM.sub(spell, topic)


def capitalised_acronyms(topic: str, table: dict[str, str],
                         written: dict[str, str] | None = None) -> str:
    """The topic with a session acronym (or a name the session writes with capitals,
    `written`: "lora" -> LoRA) typed in lower case ("snn", "gnns") written as the session
    writes it, unless the word is an English word ("cat", "co")."""
    from assistant.embedding import word_ranks

    keys = {**(written or {}), **{key.lower(): key for key in table}}
    ranks = word_ranks()

    def written(match: re.Match) -> str:
        word, plural = match.group(1), match.group(2)
        key = keys.get(word)
        if key is None or word in ranks or len(word) < 2:
            return match.group(0)
        return key + plural
    return re.sub(r"\b([a-z][a-z0-9]+?)(s?)\b", written, topic)


# --- typos -------------------------------------------------------------------------------

@dataclass
class Vocabulary:
    """The session's own words, how often they occur and in which posters: the spelling
    dictionary."""

    counts: dict[str, int]
    dictionary: frozenset[str] = frozenset()  # words known to be spelt right anyway
    _deletes: dict[str, list[str]] | None = None
    postings: dict[str, frozenset[int]] = field(default_factory=dict)  # word -> its texts
    # "object-centric": hyphenated pairs the texts write, never with a space
    compounds: frozenset[str] = frozenset()

    @classmethod
    def of(cls, texts: Iterable[str], dictionary: Iterable[str] = ()) -> Vocabulary:
        counts: dict[str, int] = {}
        postings: dict[str, set[int]] = {}
        hyphenated: dict[str, int] = {}
        spaced: set[str] = set()
        alone: set[str] = set()
        for number, text in enumerate(texts):
            folded = fold(text)
            for word in re.findall(r"[a-z]+", folded):
                counts[word] = counts.get(word, 0) + 1
                postings.setdefault(word, set()).add(number)
            for pair in set(re.findall(r"(?<![a-z-])[a-z]+-[a-z]+(?![a-z-])", folded)):
                hyphenated[pair] = hyphenated.get(pair, 0) + 1
            words = re.findall(r"[a-z]+|[^a-z\s]+", folded)
            spaced.update(f"{a}-{b}" for a, b in pairwise(words))
            alone.update(re.findall(r"(?<![a-z-])[a-z]+(?![a-z-])", folded))
        # Only a pair with a word that never stands alone ("centric"): "energy based" finds
        # its posters as typed.
        return cls(counts, frozenset(dictionary),
                   postings={w: frozenset(n) for w, n in postings.items()},
                   compounds=frozenset(p for p, n in hyphenated.items()
                                       if n >= 2 and p not in spaced
                                       and not set(p.split("-")) <= alone))

    def _variants(self) -> dict[str, list[str]]:
        """Each word of five letters or more under every one-letter deletion (built once)."""
        if self._deletes is None:
            deletes: dict[str, list[str]] = {}
            for word in self.counts:
                if len(word) >= 5:
                    for i in range(len(word)):
                        deletes.setdefault(word[:i] + word[i + 1:], []).append(word)
            self._deletes = deletes
        return self._deletes

    def _together(self, word: str, context: Iterable[str]) -> int:
        """The most of the `context` words one text holds together with `word` ("mapping"
        with "tone" and "hdr" in the tone-mapping poster; "making" in none with them)."""
        texts = self.postings.get(word, frozenset())
        others = [self.postings.get(w, frozenset()) & texts for w in set(context) if w != word]
        return max((sum(n in o for o in others) for n in texts), default=0) if others else 0

    def correct(self, word: str, context: Iterable[str] = ()) -> str:
        """The word, or the session word one typo away from it: the one that stands in a
        poster with the most of the question's other words (`context`), then the most
        frequent (a tie on both is not clear enough to correct)."""
        if len(word) < 5 or not word.isalpha() or any(
                w in self.counts or w in self.dictionary for w in _inflections(word)):
            # "parties" is a word, not a typo of the session's "parities"; "buffers" is the
            # plural of the session's "buffer", not a typo of "suffers"
            return word
        variants = self._variants()
        keys = {word, *(word[:i] + word[i + 1:] for i in range(len(word)))}
        found = {w for key in keys for w in variants.get(key, []) if _near(word, w)}
        found |= {w for w in keys if w in self.counts and len(w) >= 5}
        context = [w for w in context if w in self.postings]
        score = {w: (self._together(w, context), self.counts[w]) for w in found}
        ranked = sorted(found, key=lambda w: score[w], reverse=True)
        if not ranked or (len(ranked) > 1 and score[ranked[0]] == score[ranked[1]]):
            return word
        return ranked[0]


def _inflections(word: str) -> set[str]:
    """The word and its plural or singular ("buffers" -> buffer, "priors" -> prior)."""
    forms = {word, f"{word}s", f"{word}es"}
    if word.endswith("ies"):
        forms.add(f"{word[:-3]}y")
    if word.endswith("es"):
        forms.add(word[:-2])
    if word.endswith("s"):
        forms.add(word[:-1])
    return forms


def correct_typos(text: str, vocabulary: Vocabulary) -> str:
    """The text with each word the session does not know replaced by the session word one
    typo away ("grpah contrastive lerning" -> "graph contrastive learning")."""
    # the words around each one, which a right correction finds in a poster with it
    context = [w for w in re.findall(r"[a-z]+", fold(text)) if w not in STOP]

    def fix(match: re.Match) -> str:
        word = match.group(0)
        if word.lower() in STOP or not word.islower():  # names and acronyms stay as typed
            return word
        return vocabulary.correct(word, context)

    def join(match: re.Match) -> str:  # "object centric" -> "object-centric"
        pair = f"{match.group(1)}-{match.group(2)}"
        return pair if fold(pair) in vocabulary.compounds else match.group(0)

    fixed = re.sub(r"[A-Za-z]+", fix, text)
    return re.sub(r"(?<![\w-])([A-Za-z]+) ([A-Za-z]+)(?![\w-])", join, fixed) if (
        vocabulary.compounds) else fixed


# --- the plan -------------------------------------------------------------------------------

# Chat around a question that says nothing about what is asked: a greeting or a discourse
# marker before it ("hey", "ok so", "quick question:", "different question -"), politeness
# after it ("..., pls"). Stripped first, so every rule sees the question itself.
_PREAMBLE = re.compile(
    r"^(?:(?:(?:hey|hi|hello|yo|ok(?:ay)?|so|well|um+|uh+|hmm+|btw|oh|alright|no|nope|sorry|"
    r"actually|oops|i meant|i mean|(?:none|nothing|really|wow|huh|great|nice|cool|interesting|"
    r"yeah|yes|sure|fine|damn|weird)\s*[?!.,]+|i(?:'m| am) "
    r"(?:curious|wondering)(?:\s+(?:whether|if|about))?|i wonder(?:\s+(?:whether|if))?|"
    r"good (?:morning|afternoon|evening|day))"
    r"(?:\s+there)?|(?:a\s+|one\s+)?(?:quick|different|new|another|other|unrelated|last|"
    r"one more|follow-?up|random)\s+(?:question|q|thing|one|topic|subject)|(?:on\s+)?(?:a\s+)?"
    r"(?:different|new|another)\s+note|chang(?:e|ing) (?:of )?(?:the )?(?:topic|subject)|"
    r"switching (?:gears|topics?))(?:\s+-+\s+|[\s,!.:;—–]+|$))+", re.IGNORECASE)
_POLITE_TAIL = re.compile(r"(?:[\s,]+(?:pls|plz|please|thanks|thank you|thx|ty|cheers|lol)"
                          r"\b[\s!.]*)+(?=[?.!]*\s*$)", re.IGNORECASE)
# Shorthand researchers type: "# of posters" -> "number of posters", "w/" -> "with".
_SHORTHAND = ((re.compile(r"(?:#|\bno\.)\s*of\b", re.IGNORECASE), "number of"),
              (re.compile(r"\bw/o\b", re.IGNORECASE), "without"),
              (re.compile(r"\bb/w\b", re.IGNORECASE), "between"),
              (re.compile(r"\bw/\s*", re.IGNORECASE), "with "),
              # texting: "hw many orals r there", "do u have", "anything abt RL"; lower case
              # only ("R" is a language, "U-Net" a model)
              (re.compile(r"\bhw\b"), "how"), (re.compile(r"\babt\b"), "about"),
              # "spiking nets", "neural nets": the posters write "networks"
              (re.compile(r"(?<=[a-z] )nets\b"), "networks"),
              # the field's shorthand that is no acronym
              (re.compile(r"\brec-?sys\b", re.IGNORECASE), "recommender systems"),
              (re.compile(r"\b(wh(?:at|ere|o|en)|how)s\b"), r"\1's"),  # "whats in this session"
              (re.compile(r"\bwat\b(?=\s+(?:r|are|is|s|about|do|does|did|was)\b)"), "what"),
              (re.compile(r"(?<![\w'-])u(?![\w'-])"), "you"),
              (re.compile(r"(?<![\w'-])r(?=\s+(?:there|they|you|those|these|them|any|all|the)\b)"),
               "are"),
              (re.compile(r"\b(which|what|ones|they|those|these|who|where|how) r\b"),
               r"\1 are"),  # "which ones r about molecules"
              (re.compile(r"(?<=[a-z] )w(?= [a-z])"), "with"))  # "clustering w dot products"


# The words that frame a question; a typo in one ("whcih of those", "hwo many") would hide
# what is asked, so it is mended before any rule reads the question.
_FRAME_WORDS = ("which", "what", "where", "how", "who", "many", "much", "those", "these",
                "them", "posters", "papers", "poster", "paper", "about", "there", "compare",
                "similar", "show", "orals", "spotlights")


def _one_slip(typed: str, word: str) -> bool:
    """`typed` is `word` with two neighbouring letters swapped, one letter left out or one
    letter doubled or added (not a letter changed: "hoe" is a word of its own)."""
    if len(typed) == len(word):
        diff = [i for i in range(len(word)) if typed[i] != word[i]]
        return (len(diff) == 2 and diff[1] == diff[0] + 1
                and typed[diff[0]] == word[diff[1]] and typed[diff[1]] == word[diff[0]])
    short, long_ = sorted((typed, word), key=len)
    return len(long_) == len(short) + 1 and any(
        long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def _mend_frame(text: str) -> str:
    """Frame words typed with a slip spelt right ("whcih" -> which, "hwo" -> how); an
    English word ("wat", "thee") and a capitalised name ("Manyi") stay as typed."""
    def mend(match: re.Match) -> str:
        typed = match.group(0)
        low = typed.lower()
        if typed != low and not (match.start() == 0 and typed[1:] == low[1:]):
            return typed  # a name ("Manyi", "Showa"), unless it opens the question
        if low in STOP or low in _FRAME_WORDS or low in _english() or (
                low[:-1] in _FRAME_WORDS and low.endswith("s")):  # "whats": what's
            return typed
        found = [w for w in _FRAME_WORDS if _one_slip(low, w)]
        found.sort(key=lambda w: w[0] != low[0])  # "hwo" is "how" before "who"
        return found[0] if found else typed
    return re.sub(r"\b[A-Za-z]{3,9}\b", mend, text)


# Markup and pictures typed around the words (a chat box takes markdown and emoji):
# "*spotlights* on _spiking_ networks", "`QLoRA`", "## orals", "🔥 ... 🙏". Emphasis marks
# only where they wrap a word ("snake_case" and "2*3" keep theirs); a heading's hashes only
# when a space follows ("#509" names a board) and no "of" ("# of posters": number of).
_MARKUP = re.compile(r"(?<![\w*])[*_]{1,3}(?=[\w#\"'“‘(])|(?<=[\w.!?)\"'”’])[*_]{1,3}(?![\w*])|`+|"
                     r"(?m:^\s*#{1,6}\s+(?!of\b))|(?m:^\s*(?:[-*+]|>+)\s+)")


def _unmarked(text: str) -> str:
    """`text` without markdown emphasis, code ticks, heading or list marks and emoji (symbol
    characters, their joiners and variation selectors), each replaced by a space."""
    plain = "".join(" " if unicodedata.category(ch) in ("So", "Cs", "Co") or ch in "\u200d\ufe0f"
                    else ch for ch in _MARKUP.sub(" ", text))
    if plain == text:
        return text
    return re.sub(r"[^\S\n]+(?=[?!.,;:](?:\s|$))", "", plain)  # "**distillation**?"


# An alternative the asker adds about their own plans or the session as a whole, not about
# a second topic: "..., or should I skip it?", "or nah", "or is it all diffusion here?", "or
# am I out of luck". "speech or audio" and "a spotlight or a regular poster" stay.
_HEDGE_TAIL = re.compile(
    r"[\s,;:—–-]+or\s+(?:(?:not|nah|no|nope|what)(?=\s*[?!.]*\s*$)|(?:should|shall|do|can|could|must|may|"
    r"am|would|will)\s+(?:i|we)\b|(?:is|are)\s+(?:it|they|everything|that|there)\s+(?:all|"
    r"just|only|mostly|nothing|none|no)\b|(?:is\s+)?(?:that|this)\s+(?:it|all)\b)[^?!.]*"
    r"(?P<end>[?!.]*)\s*$", re.IGNORECASE)


def normalize(question: str) -> str:
    """The question without chat around it and with shorthand spelt out (see `_PREAMBLE`);
    the question itself when nothing else would be left."""
    text = _mend_frame(" ".join(_unmarked(question).split()))
    for pattern, spelt in _SHORTHAND:
        text = pattern.sub(spelt, text)
    text = _POLITE_TAIL.sub("", _PREAMBLE.sub("", text)).strip()
    text = _HEDGE_TAIL.sub(lambda m: m.group("end"), text)
    return text if any(ch.isalnum() for ch in text) else question.strip()


def strip_frame(text: str) -> str:
    """The question without the words that frame it ("Which posters are about ...?")."""
    stripped = _TAIL.sub("", _FRAME.sub("", text.strip())).strip(" ?.!,")
    return stripped or text.strip(" ?.!")


# Words that introduce examples of the topic before them ("reinforcement learning, including
# RLHF", "generative models such as diffusion or GANs", "graph learning, e.g. GNN expressivity").
_EXAMPLES = re.compile(r"[\s,]+(?:including|incl\.?|such as|e\.?g\.?,?|for (?:example|instance),?|"
                       r"especially|particularly|notably)\s+", re.IGNORECASE)


def names_examples(topic: str) -> bool:
    """Whether a topic goes on to name examples of itself (`_EXAMPLES`)."""
    return _EXAMPLES.search(topic) is not None


def examples_of(topic: str) -> list[str]:
    """The topic and what it names as its examples, as written (`_EXAMPLES`): ["RL",
    "RLHF and DPO"]; [topic] when it names none."""
    return _EXAMPLES.split(topic, maxsplit=1)


def alternatives(topic: str) -> list[str]:
    """The topics a disjunction asks about ("speech or audio" -> speech, audio); what the
    last one says after its first word goes to a lone first one ("continual /
    class-incremental learning" -> continual learning, class-incremental learning; "LLMs to
    solve or formulate MILP problems" -> LLMs to solve MILP problems, LLMs to formulate MILP
    problems). A topic with examples is the topic, each example, and the whole: a poster
    about the topic answers, and so does one about an example that does not name the topic
    ("RL, including RLHF"; "expressive power of GNNs, e.g. WL tests"). One topic: [topic]."""
    head, *rest = examples_of(topic)
    if rest and any(w not in STOP for w in head.lower().split()):
        examples = [p for e in re.split(r"\s+(?:and|&)\s+", rest[0]) for p in _alternatives(e)]
        # the whole as well: its examples sharpen what the topic means ("combinatorial
        # optimization, e.g. bin packing, routing")
        return [*_alternatives(head), *(p for p in examples if p.strip(" ,")), topic]
    return _alternatives(topic)


def _alternatives(topic: str) -> list[str]:
    parts = [p.strip(" ,") for p in re.split(r"\s+(?:and/)?or\s+|\s*/\s*|\s*,\s*", topic)]
    parts = [p for p in parts if p and any(w not in STOP for w in p.lower().split())]
    if not 2 <= len(parts) <= 4 or any(len(p.split()) > 5 for p in parts):
        return [topic]
    head = _HEAD.match(parts[0])  # "prompt tuning for vision or vision-language models"
    if head and any(_HEAD.match(p) for p in parts[1:]):
        head = None  # each alternative has its own subject
    if head:
        parts[0] = head.group("rest")
    last = parts[-1].split()
    # What the last alternative says after its own first word (after an adverb, the word
    # it qualifies too: "biologically plausible") is what a lone first one ("spiking") or
    # one left hanging on a particle ("speeding up") is about.
    skip = 2 if last[0].lower().endswith("ly") and len(last) > 2 else 1
    hanging = parts[0].split()[-1].lower() in _PARTICLES
    # A lone acronym of the last alternative ("GNN / graph neural networks") is the same
    # thing in other words, not a word the last one completes.
    spelt = re.sub(r"s$", "", parts[0]).lower() == _initials(last)
    # A lone name written in mixed case ("LoRA / parameter efficient finetuning") is a
    # method of its own, not a word the last alternative completes ("RSA or elliptic-curve
    # cryptography": an acronym in capitals may qualify the same noun).
    named = len(parts[0].split()) == 1 and _coined(parts[0])
    if (len(parts[0].split()) == 1 or hanging) and len(last) > skip and not spelt and not named:
        parts[0] = f"{parts[0]} {' '.join(last[skip:])}"
    first = parts[0].split()
    if (len(parts) == 2 and len(first) >= 2 and len(last) > 1
            and last[0].lower() not in _COMPARATIVE
            and _parallel(first[-1], last[0], _QUALIFYING_ENDINGS)):
        # "communication-efficient distributed or decentralized optimization": two
        # qualifiers of one noun, which the last alternative says for both
        parts[0] = f"{parts[0]} {' '.join(last[1:])}"
    if len(first) >= 2 and all(_parallel(first[-1], p.split()[0], (*_PARALLEL_ENDINGS, "ed"))
                               for p in parts[1:]):
        # "make vision transformers lighter or cheaper to run": the words that open the
        # first alternative are the subject of each ("... cheaper to run")
        parts[1:] = [f"{' '.join(first[:-1])} {p}" for p in parts[1:]]
    return [f"{head.group('head')} {p}" if head else p for p in parts]


# Endings that make two words alternatives of one kind ("lighter or cheaper", "interpretable
# or explainable", "quickly or cheaply").
_PARALLEL_ENDINGS = ("er", "est", "ly", "ble", "al", "ive", "ic", "ous", "ful", "less", "ent",
                     "ant")


_PARTICLES = frozenset("up down out off".split())
_COMPARATIVE = frozenset("more less".split())


def _parallel(a: str, b: str, endings: tuple[str, ...] = _PARALLEL_ENDINGS) -> bool:
    """Two words of one kind by their ending, neither a stopword; a comparative and "more"
    or "less" ("cheaper or more robust")."""
    a, b = a.lower(), b.lower()
    if b in _COMPARATIVE and (a.endswith("er") or a in _COMPARATIVE) and a != b:
        return True
    return a != b and a not in STOP and b not in STOP and any(
        a.endswith(e) and b.endswith(e) and min(len(a), len(b)) > len(e) + 2
        for e in endings)


# Endings of words that qualify a noun ("distributed or decentralized", "spectral or spatial")
_QUALIFYING_ENDINGS = ("ed", "al", "ive", "ic", "ous", "ful", "less", "ble", "ent", "ant",
                       "ary", "ar")


# The subject a disjunction qualifies, up to its last joining word: "prompt tuning for" in
# "prompt tuning for vision or vision-language models" (each alternative keeps it).
_HEAD = re.compile(r"^(?P<head>.+?\s(?:for|on|in|with|without|using|via|to|of|about|from|"
                   r"against|under|into|across))\s+(?P<rest>(?:(?!\s(?:for|on|in|with|without|"
                   r"using|via|to|of|about|from|against|under|into|across)\s).)+)$",
                   re.IGNORECASE)


# "above 700" is a board range when the question speaks of boards or of posters as such
# ("the ones above 700", "posters under 300"), not of some other quantity.
_ABOUT_BOARDS = re.compile(r"#|\bboards?\b|\b(?:ones|posters?|papers?|numbered|numbers?)\s+"
                           r"(?:above|over|after|beyond|below|under|before|up to)\s+#?\d",
                           re.IGNORECASE)


def _ranges(question: str) -> tuple[int | None, int | None, str]:
    """(board_min, board_max, question without the range words)."""
    lo = hi = None
    match = _RANGE.search(question)
    if match:
        numbers = [int(n) for n in match.groups() if n]
        lo, hi = min(numbers), max(numbers)
        if match.group(0)[0].isdigit() and numbers[0] >= numbers[1]:
            lo = hi = match = None  # "1100-1000" is no range; nor a year span backwards
    elif decade := _DECADE.search(question):
        lo = int(decade.group(1))
        hi, match = lo + 99, decade
    elif open_end := _OPEN_END.search(question):
        number = int(open_end.group(1))
        if open_end.group("down"):
            hi = number
        else:
            lo = number
        match = open_end
    else:
        above, below = _ABOVE.search(question), _BELOW.search(question)
        if above and _ABOUT_BOARDS.search(question):
            lo, match = int(above.group(1)) + 1, above
        if below and _ABOUT_BOARDS.search(question):
            hi = int(below.group(1)) - (0 if below.group(0).lower().startswith("up to") else 1)
            match = match or below
            question = question.replace(below.group(0), " ")
    if match:
        question = question.replace(match.group(0), " ")
    return lo, hi, question


# Words that may open or close what is left of a question around its topic, but never make
# one by themselves ("are about", "presenting on", "won an", "similar to").
_NOISE = _LIST_WORDS | frozenset("""where when why won win winning received got like similar
compare comparison versus vs say says said tell more it its s at presenting present presents
related anything something else work works research regarding concerning around relating
focus focused focusing doing done topic topics area areas subject study studies using uses
use used called titled named exist exists else other others also both their they someone anybody
anyone somebody interested interesting cool good best new recent latest by from author
authors authored wrote written but then instead too though now again combined total totals
altogether overall tally according / coauthor coauthors coauthored co-author co-authors
co-authored co-wrote cowrote appear appears appearing listed involved exactly precisely
roughly approximately two three four located location sit sits sitting stand stands standing
placed row rows aisle aisles section sections""".split())




def _inflected(stems: str) -> frozenset[str]:
    """Each verb with its usual inflections ("discuss" -> discusses, discussing, discussed)."""
    forms = set()
    for verb in stems.split():
        base = verb[:-1] if verb.endswith("e") else verb
        forms |= {verb, verb + "s", verb + "es", base + "ing", base + "ed", verb + "d"}
    return frozenset(forms)


# Verbs and words of the request around a topic ("Any posters that touch on X?", "papers
# dealing with X", "recommend something involving X", "is X covered here?"): the language of
# asking, not of the posters, so they are dropped where they open or close a topic (never
# inside it). "learn" is listed bare: "learning" opens topics ("learning to rank").
_REQUEST = _inflected("""discuss cover explore investigate examine tackle handle treat deal
touch concern involve relate propose present introduce describe recommend suggest help care
visit read know hear see want need mention showcase highlight consider cite apply
""") | frozenset("""learn pointing featuring featured relevant pertaining if me us new some
good nice today now currently methods method techniques technique ways way kind sort ideas
idea something summarize summarise summary overview tldr among amongst within
built made created developed designed released""".split())
# Verbs of asking that open a topic but may close one ("decision making"): dropped at its start.
_OPENERS = frozenset("making giving getting helping letting teaching".split())
# "point me to ...", "run experiments on ...": request phrases around a topic.
_REQUEST_PHRASE = re.compile(
    # "anything on NeRF worth seeing", "a must-see on RL": whether to go, not what about
    r"\b(?:(?:really\s+|well\s+)?worth|deserv(?:es|ing))\s+(?:a\s+|the\s+)?(?:see(?:ing)?|look(?:ing)?"
    r"(?:\s+at)?|visit(?:ing)?|check(?:ing)?(?:\s+out)?|read(?:ing)?|stopping\s+by|"
    r"(?:my|our|the)\s+time|it)\b|\bmust[- ]sees?\b|"
    r"\bpoint(?:\s+(?:me|us))?\s+(?:to|at|towards)\b|\b(?:run|runs|ran|running|do|does|did|"
    r"conducts?|conducted|performs?|performed)\s+(?:experiments?|evaluations?|tests?)\s+"
    r"(?:on|with|in|using)\b|\b(?:evaluated|tested|benchmarked|validated)\s+(?:on|with)\b|"
    # "posters whose main focus is X", "papers mainly about X": how much, not what
    r"\b(?:whose|with\s+(?:a|an|their|its))?\s*(?:main|primary|central|core|chief|key)?\s*"
    r"(?:focus|topic|subject|theme)\s+(?:is|are|being)\b|\b(?:mainly|mostly|primarily|chiefly|"
    r"largely|principally|specifically)\s+(?:about|on|concerned with|focused on)\b|"
    # "how do people build agents out of LLMs?": who does it is not the topic
    r"^\s*how\s+(?:do|does|did|can|could|would|should|might)\s+(?:people|researchers|folks|"
    r"anyone|someone|one|you|we|they|i|others)\b",
    re.IGNORECASE)
# Chat filler that is never part of a topic, wherever it stands ("list em all pls").
_FILLER = frozenset("""posters poster papers paper works stuff things thing ones few some list
em all pls plz please which that are is there any anything something numbered lol thx thanks
hey hi ok okay so just really kinda sorta maybe talks talk catch visit check should would could
i i'm im me my mine his her hers their theirs its our ours he she they them into vs versus
actually compare comparison what's whats etc here everything""".split())
# A quoted phrase; an apostrophe inside a word ("I'm", "model's") is not a quote mark.
_QUOTED = re.compile(r"(?:[\"“‘]|(?<![A-Za-z])')([^\"”’]{3,80}?)(?:[\"”’]|'(?![A-Za-z]))")
# "... in the title", "whose titles contain ...": a filter on titles, not a topic.
_IN_TITLE = re.compile(r"\b(?:in (?:the |their |its )?titles?|titles? (?:contains?|containing|"
                       r"with|mentions?|mentioning|includes?|including|ha(?:s|ve)|says?)|"
                       r"titled with|in (?:the|their) names?)\b", re.IGNORECASE)


# What a topic's asker adds to explain it, after the topic itself: a list of examples after a
# dash or colon ("adversarial robustness — attacks, adversarial training, certified
# defenses", "3D vision: reconstruction, rendering, etc"), a gloss after a dash ("neural
# operators — learning maps between function spaces"), words in parentheses ("knowledge
# distillation (teacher -> student)"). The topic is what comes first; posters about it are
# about its examples too, and a poster need not say every word of the gloss. Examples named
# as such without a dash stay ("expressive power of GNNs, e.g. Weisfeiler-Leman tests"
# finds a poster by its WL test that the head alone misses). A dash or colon
# before a qualifier stays ("NeRF - for underwater scenes"), as do names in parentheses
# ("lattice crypto (LWE)", "brain activity (fMRI/EEG)": other names, not a gloss).
_ELABORATION = re.compile(
    r"\s*\((?=[^()]*\b(?-i:[a-z]{3,})\b)[^()]*\)"
    r"|(?<=\w)\s*(?:\s[—–-]|[—–:])\s+(?=[^?!.]*,|(?:e\.g\.|i\.e\.|eg|ie|like|such as|including|"
    r"incl\.?)\s|\w+ing\s)[^?!.]*", re.IGNORECASE)


def elaborated(text: str, examples: bool = True) -> str:
    """The text without what explains its topic (`_ELABORATION`), when what is left names a
    topic of two words or more: after "that forestry one:" the description is the topic.
    A list of examples stays as examples of the topic ("adversarial robustness — attacks,
    certified defenses" is "adversarial robustness, including attacks, certified defenses"):
    a poster about one of them answers though it never names the topic."""
    found = _ELABORATION.search(text)
    head = _ELABORATION.sub(" ", text)
    named = [w for w in content_words(strip_frame(head)) if w not in _NOISE and w not in _FILLER]
    if not (len(named) >= 2 or (named and "(" in text)):
        return text
    items = _example_items(found.group(0)) if found and examples else []
    if len(items) >= 2:
        return f"{strip_frame(head).strip()}, including {', '.join(items)}"
    return head


# What closes a list of examples without being one ("..., whatever", "etc.").
_LIST_TAIL = frozenset("etc whatever so on more others other stuff things".split())


def _example_items(elaboration: str) -> list[str]:
    """The items of a list of examples an elaboration gives ("— attacks, adversarial
    training, certified defenses"; "(MILP, packing, routing etc)"); [] for a gloss."""
    body = re.sub(r"^[\s(—–:-]+|[\s)]+$", "", elaboration)
    body = re.sub(r"^(?:e\.g\.|i\.e\.|eg|ie|like|such as|including|incl\.?)\s+", "", body,
                  flags=re.IGNORECASE)
    items = []
    for part in re.split(r"\s*,\s*|\s+(?:and|or)\s+|\s*/\s*", body):
        words = [w for w in part.split() if w.lower().strip(".") not in _LIST_TAIL]
        if words:
            items.append(" ".join(words).strip(" ."))
    if len(items) < 2 or any(len(i.split()) > 4 for i in items):
        return []
    return items


_NOT_AN_ITEM = frozenset("""like e.g eg i.e ie such for especially particularly including
incl mainly mostly specifically notably namely""".split())


def topic_of(text: str) -> str:
    """The words of a text that say what it is about (`_topic`): after a typo is corrected,
    a framing word it hid goes ("anythng on ..." -> "anything on ...")."""
    return _topic(text)


def _topic(text: str, drop: Iterable[str] = (), examples: bool = True) -> str:
    """The words of the question that say what it is about: framing, names already matched
    (`drop`), filler and noise at either end removed; "" when nothing is left. A quoted
    phrase is the topic itself."""
    quoted = _QUOTED.search(text)
    if quoted:  # the topic itself, unless it only quotes an example in a longer question
        around = strip_frame(text[:quoted.start()] + " " + text[quoted.end():])
        if sum(fold(w) not in STOP and fold(w) not in _NOISE
               for w in re.findall(r"[\w-]+", around)) <= 2:
            text = quoted.group(1)
    dropped = {fold(w) for w in drop}
    text = _REQUEST_PHRASE.sub(" ", elaborated(text, examples))
    # A lone "/" joins alternatives ("continual / class-incremental learning"): kept; so
    # does a comma between items ("dataset pruning, coreset or data selection": a poster
    # about any one answers), as a word of its own until the end.
    words = []
    for raw in strip_frame(text).split():
        word = raw if raw == "/" else raw.strip("?.!,;:'\"()—–-/")
        words += [word, ","] if raw.rstrip("?.!;:'\")").endswith(",") and word else [word]
    words = [w for w in words if w and fold(w).removesuffix("'s") not in dropped
             and fold(w) not in _FILLER  # "jun zhu's posters": the name, possessive too
             # "spike-driven" when "Spike-driven Transformer" named the poster
             and not ("-" in w and all(p in dropped for p in fold(w).split("-") if p))]
    # Not before an example or a narrowing ("..., like on StarCraft", "..., e.g. WL tests"):
    # those are one topic with what illustrates it, not items of a list.
    words = [w for i, w in enumerate(words) if w != "," or (
        i > 0 and words[i - 1] != "," and i + 1 < len(words)
        and fold(words[i + 1]) not in _NOT_AN_ITEM)]
    edge = _NOISE | _REQUEST | {","}
    while words and (fold(words[0]).split("'")[0] in edge or (
            len(words) > 2 and fold(words[0]) in _OPENERS)):
        words.pop(0)
    while words and fold(words[-1]).split("'")[0] in edge:
        words.pop()
    return " ".join(words).replace(" , ", ", ")


# A message that is not a question about the posters: a greeting, thanks or goodbye on its
# own; asking the assistant about itself ("who are you?", "what can you do?"); the venue's
# logistics ("what time is lunch?", "where is the bathroom?", "how do I register?"); a joke.
# Planned as "chat": a plain reply, no poster found for words that are not a topic. A
# question that also names a poster or a topic the session has is not chat ("thanks! and
# what's at 509?" is read without its thanks by `normalize`).
_CHAT_ALONE = re.compile(
    r"^(?:(?:hi|hello|hey|yo|howdy|good (?:morning|afternoon|evening))(?:\s+there)?|"
    r"(?:thanks?|thank you|thx|ty|cheers|much appreciated)(?:\s+(?:a lot|so much|very much))?|"
    r"(?:ok(?:ay)?|cool|great|nice|awesome|perfect|got it)(?:,?\s+thanks?(?: you)?)?|"
    r"(?:bye|goodbye|see you|see ya)(?:\s+later)?)[\s!.,:)]*$", re.IGNORECASE)
# Thanks or goodbye on its own: a short reply, not the help text again.
_THANKS = re.compile(r"^(?:(?:ok(?:ay)?|cool|great|nice|awesome|perfect|got it)[\s,!.]*)?"
                     r"(?:thanks?|thank you|thx|ty|cheers|much appreciated|bye|goodbye|see you|"
                     r"see ya)\b", re.IGNORECASE)
_CHAT_SELF = re.compile(
    r"^(?:(?:and|so)\s+)?(?:who|what)\s+(?:are|r)\s+(?:you|u)\s*[?!.]*$|^what can (?:you|u) do\b|"
    r"^how (?:do(?:es)?|can) (?:you|u|this|this thing|this assistant) (?:work|help)\b|"
    r"^(?:help|what do you know)\s*[?!.]*$|\bwhat(?:'s| is) your (?:name|purpose|job|role)\b|"
    r"^are (?:you|u) (?:a |an )?(?:bot|human|robot|ai)\b|"
    r"\btell me a joke\b", re.IGNORECASE)
_VENUE = re.compile(
    r"\b(?:lunch|dinner|breakfast|coffee|restaurants?|bathrooms?|restrooms?|toilets?|wi-?fi|"
    r"parking|hotels?|taxis?|airport|badges?|tickets?|keynotes?|banquet|cloakroom|"
    r"workshops?|halls?|rooms?|venue|entrance|elevators?|stairs|floor)\b", re.IGNORECASE)
_VENUE_ASK = re.compile(
    r"^(?:what time|when|where|how (?:do|can|should) (?:i|we)|is there|can (?:you|u) "
    r"recommend|any (?:good\s+)?(?:recommendations?|tips)|recommend)\b", re.IGNORECASE)


# Where or when the session itself is: "where is the session held?", "where's this?".
_SESSION_PLACE = re.compile(
    r"^(?:and\s+)?(?:where|when)\s*(?:is|'s|are|does|do)\s+(?:the\s+|this\s+)?(?:(?:poster\s+)?"
    r"session|hall|posters?(?:\s+session)?|it|this)(?:\s+(?:\d+|two))?(?:\s+(?:be\s+)?(?:held|"
    r"located|taking place|happening|running|on|take place|start|happen))?\s*[?.!]*$",
    re.IGNORECASE)


# Organisations researchers ask posters "from" (the session page lists authors, never their
# affiliations): well-known labs and companies, and any name ending in a kind of organisation.
_ORGANISATIONS = (r"google(?:\s+(?:deepmind|research|brain))?|deepmind|meta(?:\s+ai)?|"
                  r"facebook|fair|microsoft(?:\s+research)?|openai|anthropic|apple|amazon|"
                  r"nvidia|ibm|intel|baidu|alibaba|tencent|huawei|bytedance|samsung|sony|adobe|"
                  r"salesforce|mit|cmu|stanford|berkeley|harvard|princeton|oxford|cambridge|"
                  r"eth(?:\s+zurich)?|epfl|mila|inria|tsinghua|peking|toronto|ucl|"
                  # a capitalised name of that kind ("Allen Institute", "University of Tokyo")
                  r"(?-i:(?:[A-Z][\w&.-]*\s+){1,3}(?:University|Institute|Lab|Labs|Laboratory|"
                  r"Research|Inc|Corp)|University\s+of\s+[A-Z]\w+(?:\s+[A-Z]\w+)?)")
_FROM_ORGANISATION = re.compile(
    rf"^(?:(?:how many|which|any|show me|list|what)\s+)?(?:(?:posters?|papers?|work|works|"
    rf"ones|stuff|research|anything|something)\s+)?(?:(?:are|is|here|there)\s+)*"
    rf"(?:from|at|by)\s+(?:the\s+)?(?P<org>{_ORGANISATIONS})(?:\s+(?:here|in this session|"
    rf"presenting))?\s*[?.!]*$", re.IGNORECASE)


def asked_organisation(question: str) -> str:
    """The organisation a question asks the posters of ("how many posters are from
    google?" -> google), "" when it asks none."""
    found = _FROM_ORGANISATION.match(question.strip())
    return found.group("org") if found else ""


# "what time does poster session 2 start and end?", "which day is the session?": words of
# when and where about the session, and no other (a topic would make it a question).
_WHEN_WHERE = re.compile(r"\b(?:what\s+time|when|what\s+day|which\s+day|how\s+long|where|"
                         r"what\s+hours?|start|end|begin|open|close)\b", re.IGNORECASE)
_SESSION_WORDS = frozenset(
    "time times when what which day date where how long hour hours does do is are was the this "
    "that poster posters session sessions 2 two ii start starts end ends begin begins finish "
    "finishes open opens close closes and held located take takes place run runs last lasts be "
    "will it taking happening today tomorrow exactly again please can you tell me i".split())


def _asks_session_time(question: str) -> bool:
    words = re.findall(r"[\w']+", question.lower())
    return ("session" in words and bool(_WHEN_WHERE.search(question))
            and all(w in _SESSION_WORDS for w in words))


def asks_place(question: str) -> bool:
    """Whether a (normalized) message asks where or when the session is, or the way to its
    hall ("how do I get to Hall B1?")."""
    return bool(_SESSION_PLACE.match(question.strip()) or _asks_session_time(question) or (
        (_VENUE_ASK.search(question) or re.match(
            r"\s*(?:which|what)\s+(?:room|hall|floor|level)\s+(?:is|are|'s|do|does|should|"
            r"will)\b", question, re.IGNORECASE))
        and re.search(r"\b(?:halls?|rooms?|venue|floor|level)\b", question, re.IGNORECASE)
        and not re.search(r"#\s*\d|\b\d{3,4}\b|\bposters?\s+(?:on|about)\b", question)))


# Words that say a question is written in another language than English: common function
# words of Spanish, French, German, Italian and Portuguese that English text does not use.
_FOREIGN_WORDS = frozenset(
    "hay sobre los las del por para qué que cuáles cuál cuales algún alguna algunos pósters "
    "artículos trabajos modelos aprendizaje está están quels quelles quel y a-t-il il sur des "
    "les une est sont apprentissage modèles affiches articles gibt über welche sind und der "
    "das ein eine es gibt zum zur mit ci sono gli della dello delle sull sulla quali anche "
    "existe existem há sobre você são".split()) - {"a", "i", "die", "is"}
_ENGLISH_WORDS = frozenset(
    "the is are any about which what who on of for with posters poster papers paper there "
    "how many do does me show find".split())


def foreign_language(question: str) -> bool:
    """Whether a message is written in another language than English: mostly letters of
    another script (Chinese, Cyrillic, Arabic ...), or the function words of a European
    language and not English's. The posters and their search are English."""
    letters = [ch for ch in question if ch.isalpha()]
    if not letters:
        return False
    other = sum(1 for ch in letters if not ("a" <= fold(ch).lower()[:1] <= "z"))
    if other >= 0.3 * len(letters):
        return True
    words = re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", question.lower())
    foreign = sum(w in _FOREIGN_WORDS for w in words)
    return foreign >= 2 and foreign > 2 * sum(w in _ENGLISH_WORDS for w in words)


# A ranking the page cannot give: "the most cited", "the best poster on X", "most practical".
# The page has no citation counts, ratings or attendance; the posters about the rest of the
# question are found as usual and the answer says it is no ranking. "best paper" is an award.
_RATING = re.compile(
    r"\b(?:the\s+)?(?:most|least|highest|best)[\s-]+(?:cited|popular|influential|impactful|"
    r"important|practical|interesting|promising|useful|rated|famous|hyped|exciting|significant|"
    r"liked|read|downloaded|attended|visited|novel|original|relevant|worth\s+(?:seeing|"
    r"visiting|a\s+visit))\b|\b(?:the\s+)?(?:coolest|best|greatest|most\s+worthwhile)\s+"
    r"(?=(?:posters?|ones?|works?|oral|orals|spotlights?)\b)|\bmust[\s-]+see\b",
    re.IGNORECASE)


def asks_rating(question: str) -> str:
    """The ranking a question asks that the page cannot give ("most cited"), "" if none."""
    found = _RATING.search(question)
    return " ".join(found.group(0).split()).removeprefix("the ") if found else ""


# "where is it?", "where are they?" after an answer: the board of the poster(s) it named.
_WHERE_IS_IT = re.compile(
    r"^(?:(?:and|so|ok(?:ay)?|thanks!?)[\s,]+)*where(?:'s|\s+is|\s+are|\s+can\s+i\s+find)\s+"
    r"(?P<which>it|this(?:\s+one)?|that(?:\s+one)?|this\s+poster|that\s+poster|the\s+poster|"
    r"they|those|these|them|the\s+(?:first|second|third|last)\s+one)\s*[?.!]*$", re.IGNORECASE)
# Posters near a board on the floor: "what's next to #1210?", "neighbours of 811", "anything
# nearby?" (after one poster's answer). Board numbers are the floor's order.
_NEAR_BOARD = re.compile(
    r"\b(?:near(?:by)?|nearest(?:\s+to)?|next\s+to|neighbou?r(?:s|ing)?(?:\s+(?:of|to))?|"
    r"adjacent(?:\s+to)?|beside|around|close\s+to|right\s+by)\s+(?:the\s+)?(?:board\s+|"
    r"poster\s+(?:at\s+)?|booth\s+)?#?\s*(?P<board>\d{1,5})\b", re.IGNORECASE)
_NEARBY_ALONE = re.compile(
    r"^(?:(?:and|so|ok(?:ay)?|thanks!?|cool|great)[\s,]+)*(?:what(?:'s|\s+is|\s+else\s+is)?|"
    r"anything(?:\s+else)?|any(?:\s+other)?\s+posters?|which\s+posters?\s+are|who(?:'s|\s+is))?"
    r"\s*(?:else\s+)?(?:nearby|near\s+(?:it|this|that|there|here|by)|next\s+to\s+(?:it|this|"
    r"that)|around\s+(?:it|this|that|there|here)|close\s+by|in\s+the\s+neighbou?rhood|"
    r"beside\s+(?:it|this|that)|neighbou?ring(?:\s+(?:boards?|posters?))?|its\s+neighbou?rs)"
    r"(?:\s+on\s+the\s+floor)?\s*[?.!]*$", re.IGNORECASE)


# "sort them by board number", "in walking order please", "order those by location"
_SORTED = re.compile(
    r"^(?:(?:and|so|ok(?:ay)?|now|please|can\s+you|could\s+you)[\s,]+)*(?:(?:sort|order|"
    r"arrange|list|show|put|give)\s+(?:me\s+)?(?:them|those|these|the\s+list|it|the\s+posters?|"
    r"all)?\s*(?:by|in)\s+(?:the\s+)?(?:board(?:\s+numbers?)?|numbers?|numerical|location|"
    r"position|walking|floor)(?:\s+order)?|in\s+(?:board|walking|numerical)\s+order)"
    r"(?:\s+please)?\s*[?.!]*$", re.IGNORECASE)


def near_board(question: str) -> int | None:
    """The board a question asks the floor around ("next to #1210"), None when none."""
    found = _NEAR_BOARD.search(question)
    return int(found.group("board")) if found else None


def is_chat(question: str) -> bool:
    """Whether a (normalized) message is chat rather than a question about the posters."""
    text = question.strip()
    if _CHAT_ALONE.match(text) or _CHAT_SELF.search(text) or asks_place(text):
        return True
    return bool(_VENUE_ASK.search(text) and _VENUE.search(text)
                and not re.search(r"\b(?:posters?|papers?|boards?|orals?|spotlights?)\b|#\s*\d",
                                  text, re.IGNORECASE))


# What a question leaves out: "diffusion posters that are not about images", "GNNs that
# don't use message passing", "RL but not robotics", "LLM posters excluding agents". The
# clause comes after what is asked for and runs to the end. "without" is not one: "learning
# without labels" is a subject posters write about in those words.
_EXCLUSION = re.compile(
    r"(?:\s*[,;:—–-])?\s+(?:(?:but|and|yet)\s+)?(?:(?:that|which|who)\s+(?:are|is|were|was)\s+"
    r"not|(?:(?:that|which|who)\s+)?(?:(?:do|does|did)\s*(?:not|n't|nt)|don'?t|doesn'?t|"
    r"didn'?t)|(?:that|which|who)\s+(?:aren'?t|isn'?t)|not|excluding|except(?:\s+for)?|"
    r"other\s+than|leaving\s+out)\s+"
    r"(?:(?:about|on|for|in|of|into|with|using|use|involving|involve|related\s+to|"
    r"focus(?:ed|ing)?\s+on|need|needs|require|requires|rely\s+on|relying\s+on|the|any|"
    r"ones?|posters?|papers?|works?)\s+)*(?P<x>[^?!.;]+?)\s*[?!.]*\s*$", re.IGNORECASE)


_EXCLUDED_WORDS = 5  # longer, it is a sentence going on ("- not label space or ... determines")


# A follow-up that only leaves something out of the previous answer: "not the ones about
# optimization", "but none on images", "excluding those using transformers".
_LEAVE_OUT = re.compile(
    r"^(?:(?:and|but|ok(?:ay)?|so|now|please|can\s+you|could\s+you)[\s,]+)*(?:only\s+)?"
    r"(?:not|none|excluding|exclude|except(?:\s+for)?|minus|leave out|drop|without|skip|"
    r"remove|ignore|omit|filter out|take out|get rid of|hide)\s+(?:(?:the\s+)?(?:ones?|"
    r"posters?|papers?)\s+|those\s+|these\s+|them\s+|any\s+)?(?:that\s+(?:are|use|do)\s+)?"
    r"(?:(?:about|on|using|with|in|for|related\s+to|involving)\s+)?(?P<x>[^?!.]+?)\s*[?!.]*$",
    re.IGNORECASE)
# "the graph ones": what is left out is "graph"
_ONES = re.compile(r"^(?:the\s+)|\s+(?:ones?|posters?|papers?|works?|stuff)$", re.IGNORECASE)


def exclusion(question: str) -> tuple[str, str]:
    """(the question without what it leaves out, what it leaves out); (the question, "")
    when it leaves nothing out. Something must be asked before the clause ("not sure what to
    ask" leaves nothing out); `understand` keeps the clause only for a topic or a follow-up
    among the previous answer's posters."""
    found = _EXCLUSION.search(question)
    if not found:
        return question, ""
    left = found.group("x").strip(" ,'\"")
    before = question[:found.start()]
    # one word before is enough after "but" ("transformers but not language models")
    least = 1 if re.match(r"\s*[,;]?\s*but\b", found.group(0), re.IGNORECASE) else 2
    if (not content_words(left) or len(left.split()) > _EXCLUDED_WORDS
            or re.search(r"[\"'“”‘’]", left) or len(before.split()) < least
            or re.search(r"\b(?:sure|certain|only|just|even|yet|much|many|so|too|quite)$",
                         before.strip(), re.IGNORECASE)):
        return question, ""
    if not re.search(r"\b(?:that|which|who|not|excluding|except|other|leaving)\b",
                     found.group(0), re.IGNORECASE) and not (
            re.search(r"s\s*$", before) or _AMONG.search(before)):
        # A bare "don't" follows the posters asked for ("GNNs don't use message passing",
        # "which one doesn't"); "so the model doesn't latch onto shortcuts" describes one.
        return question, ""
    return before.rstrip(" ,;:—–-"), left


def understand(question: str, catalog: CardIndex, titles: TitleIndex,
               previous: Previous | None = None) -> Plan:
    """The plan of one question; `previous` is the last turn, for follow-ups."""
    question = normalize(question)
    asked, excluding = exclusion(question)
    if excluding and (kind := _KIND_ALONE.match(excluding)):
        # "not spotlights", "excluding the orals": a kind left out is a filter, not words
        plan = understand(asked, catalog, titles, previous)
        left = {"oral", "spotlight", "poster"} - {kind.group(1).lower()}
        if plan.intent in ("search", "count", "summarize"):
            return replace(plan, kinds=plan.kinds & left if plan.kinds else frozenset(left))
    if excluding:
        if previous is not None and previous.results and _AMONG.search(asked) and not (
                content_words(_topic(asked))):
            # "which of those are not about images?", "which one doesn't need gradients?"
            return _carried(replace(previous.plan, intent="search",
                                    within=frozenset(previous.results), boards=(), missing=(),
                                    asks="", excluding=excluding), previous)
        plan = understand(asked, catalog, titles, previous)
        if plan.intent in ("search", "count", "summarize") and plan.topic:
            return replace(plan, excluding=excluding)
    elif previous is not None and previous.results and (left := _LEAVE_OUT.match(question)):
        # "not the ones about optimization", "excluding those on images": the previous
        # answer's posters, less what is named
        return _carried(replace(previous.plan, intent="search", within=frozenset(
            previous.results), boards=(), missing=(), asks="",
            excluding=_ONES.sub("", left.group("x").strip(" ,'\""))), previous)
    if previous is not None and (shown := _shown(previous)) and (
            where := _WHERE_IS_IT.match(question)):
        # "where is it?": the board of the poster the last answer led with; "where are
        # they?": of the posters it showed
        several = where.group("which").lower() in ("they", "those", "these", "them")
        return _carried(Plan(intent="poster", boards=tuple(shown if several else shown[:1]),
                             asks="where"), previous)
    if previous is not None and previous.results and _SORTED.match(question):
        # "sort them by board number": the last answer's posters, listed in board order
        return _carried(replace(previous.plan, intent="search", topic="", within=frozenset(
            previous.results), boards=(), missing=(), asks="", excluding=""), previous)
    if previous is not None and previous.results and _NEARBY_ALONE.match(question):
        # "what else is nearby?": the floor around the poster the last answer led with
        return _carried(Plan(intent="nearby", boards=tuple(previous.results[:1])), previous)
    if (board := near_board(question)) is not None and board in catalog.boards:
        plan = Plan(intent="nearby", boards=(board,))
        return plan if previous is None else _carried(plan, previous)
    if foreign_language(question):  # the posters and the search are English
        plan = Plan(intent="chat", asks="language")
        return plan if previous is None else _carried(plan, previous)
    if rating := asks_rating(question):
        # "the most cited poster on X": the posters about X, said to be no ranking; with no
        # X, a plain reply that the page ranks nothing
        rest = normalize(_RATING.sub(" ", question))
        plan = understand(rest, catalog, titles, previous) if content_words(_topic(rest)) or (
            _BOARD.search(rest)) else Plan(intent="chat")
        if plan.intent in ("search", "count", "chat"):
            plan = replace(plan, asks=f"rating:{rating}")
        return plan
    if organisation := asked_organisation(question):  # no poster lists an affiliation
        plan = Plan(intent="chat", asks="affiliation", topic=organisation)
        return plan if previous is None else _carried(plan, previous)
    if is_chat(question):
        plan = Plan(intent="chat", asks="place" if asks_place(question) else (
            "thanks" if _THANKS.match(question.strip()) else ""))
        return plan if previous is None else _carried(plan, previous)
    follow = _follow_up(question, catalog, titles, previous)
    plan = follow if follow is not None else fresh_plan(question, catalog, titles)
    if plan.asks == "authors" and (place := _AUTHOR_PLACE.search(question)):
        # "who is its first author?": that one of them
        last = place.group(1).lower() in ("last", "senior")
        plan = replace(plan, asks="authors:last" if last else "authors:first")
    return plan if previous is None else _carried(plan, previous)


_KIND_ALONE = re.compile(r"^(?:the\s+|any\s+)?(oral|spotlight)s?(?:\s+(?:ones|posters?))?$",
                         re.IGNORECASE)


def _area(previous: Previous) -> str:
    """The area a conversation is on, for a summary of it: the topic before the last answer
    narrowed it ("which of those address heterogeneity?" narrows federated learning)."""
    plan = previous.plan
    if plan.within is not None and plan.thread and plan.intent in ("search", "count"):
        return plan.thread
    return _thread(previous)


def _shown(previous: Previous) -> list[int]:
    """The posters the previous answer showed, in its order."""
    return previous.results[:previous.shown] if previous.shown else previous.results


def _carried(plan: Plan, previous: Previous) -> Plan:
    """The plan with the conversation's context it carries on: the posters of earlier turns,
    the thread's topic and the last list shown."""
    return replace(plan, earlier=_earlier(previous), thread=_thread(previous),
                   listed=_listed_last(previous))


_KEEP_EARLIER = 4  # posters of earlier turns a plan remembers


def _earlier(previous: Previous) -> tuple[int, ...]:
    """The poster the previous turn led with, then those of the turns before it."""
    lead = previous.results[:1]
    return tuple(dict.fromkeys([*lead, *previous.plan.earlier]))[:_KEEP_EARLIER]


_KEEP_LISTED = 20  # posters of the last list a plan remembers


def _listed_last(previous: Previous) -> tuple[int, ...]:
    """The posters of the previous answer when it showed several, else of the last list."""
    shown = previous.results[:previous.shown] if previous.shown else previous.results
    return tuple(shown[:_KEEP_LISTED]) if len(shown) >= 2 else previous.plan.listed


def _thread(previous: Previous) -> str:
    """The topic the conversation was last on: the previous turn's, or, when it asked about
    named posters ("who wrote it?"), the topic of the turns before it."""
    return previous.plan.topic if previous.plan.intent in (
        "search", "count", "summarize") and previous.plan.topic else previous.plan.thread


# Who has the most posters here ("which author has the most posters?", "most prolific").
_MOST_POSTERS = re.compile(
    r"\b(?:who|which\s+(?:authors?|persons?|people|researchers?|names?))\b.{0,40}\bmost\s+"
    r"(?:posters?|papers?|boards?|work)\b|\bmost\s+prolific\b|\bauthors?\s+with\s+(?:the\s+)?"
    r"most\s+(?:posters?|papers?)\b", re.IGNORECASE)


# Two topics counted against each other: "are there more posters on RL or on diffusion?",
# "how many are about GNNs and how many about transformers?", "which has more posters, X or
# Y?". The preposition said again (or "than") tells a comparison from one topic with an "or"
# in it ("more posters on speech or audio?").
_ON = r"(?:on|about|in|for|regarding)"
_VERSUS = (
    re.compile(rf"^(?:(?:are|is)\s+there|do\s+(?:we|you)\s+have|does\s+(?:the|this)\s+session\s+"
               rf"have)?\s*more\s+(?:posters?|papers?|works?|orals?|spotlights?)?\s*{_ON}?\s+"
               rf"(?P<a>(?!than\b)[^\d].*?)\s+(?:or\s+{_ON}|than(?:\s+{_ON})?)\s+(?P<b>.+?)\s*"
               r"[?.!]*$", re.IGNORECASE),
    re.compile(rf"^how\s+many\s+(?:posters?\s+|papers?\s+)?(?:are\s+(?:there\s+)?)?{_ON}\s+"
               rf"(?P<a>.+?)\s*,?\s+(?:and|vs\.?|versus)\s+how\s+many\s+(?:posters?\s+|papers?\s+)?"
               rf"(?:are\s+)?(?:{_ON}\s+)?(?P<b>.+?)\s*[?.!]*$", re.IGNORECASE),
    re.compile(r"^(?:which|what)\s+(?:one\s+)?(?:has|have|gets?|is|are)\s+more\s+(?:posters?|"
               rf"papers?|work|represented|common)?\s*(?:here\s+)?[:,]?\s*(?:{_ON}\s+)?(?P<a>.+?)"
               rf"\s+or\s+(?:{_ON}\s+)?(?P<b>.+?)\s*[?.!]*$", re.IGNORECASE),
)


def _versus(question: str) -> tuple[str, str] | None:
    for pattern in _VERSUS:
        found = pattern.match(question.strip())
        if found and content_words(found.group("a")) and content_words(found.group("b")):
            return found.group("a"), found.group("b")
    return None


def fresh_plan(question: str, catalog: CardIndex, titles: TitleIndex) -> Plan:
    question = normalize(question)
    if _OVERVIEW.search(question):
        return Plan(intent="overview")
    if (versus := _versus(question)) is not None:
        first = fresh_plan(f"how many posters are about {versus[0]}?", catalog, titles)
        second = _topic(versus[1]) or strip_frame(versus[1])
        if first.intent == "count" and first.topic and second:
            return replace(first, versus=second)
    if _MOST_POSTERS.search(question) and catalog.by_name:
        # the author with the most posters, and their posters (the first such on a tie)
        top = max((k for k in catalog.by_name if k), key=lambda k: len(catalog.by_name[k]))
        return Plan(authors=(catalog.display[top],),
                    author_boards=frozenset(ref_board(r) for r in catalog.by_name[top]))
    area = summary_area(question)
    if area is not None and not _BOARD.search(question):  # "summarize poster 813" asks about one
        # An area's list of examples is not gathered as areas of their own: each alone
        # ("rendering", "reconstruction") takes in posters outside the area.
        return Plan(intent="summarize", topic=_topic(area, examples=False) or area)
    # "the difference between 813 and 509" names two boards, not a range of them
    lo, hi, rest = (None, None, question) if _COMPARE.search(question) else _ranges(question)
    numbers = [int(n) for n in _BOARD.findall(rest)]
    bare = [int(next(g for g in groups if g)) for groups in _BARE_BOARD.findall(rest)]
    numbers += [n for n in bare if n in catalog.boards and n not in numbers]
    named = [n for n in numbers if n in catalog.boards]
    # "S3 #812": that session's poster, where sessions reuse board 812 (assistant.citations)
    qualified = named_refs(rest, catalog.boards)
    if qualified:
        boards = {ref_board(ref) for ref in qualified}
        named = [*qualified, *(n for n in named if n not in boards)]
    missing = tuple(f"#{n}" for n in numbers if n not in catalog.boards)
    quoted = _QUOTED.search(question)
    asked = quoted.group(1) if quoted else (
        named_paper(question) if _NAMED_FRAME.search(question) or _paper_asked(question)
        else "")
    hits = match_titles(rest, titles, asked)
    if not hits and (spelt := _spell_out(rest)) != rest:  # "Scaling Data-Constrained LMs"
        hits = match_titles(spelt, titles, asked)
    title_hits = [b for b in hits  # the catalog's session(s)
                  if b not in named and b in catalog.boards
                  and not (asks_for_many(question) and not quoted and _beyond_title(
                      rest, b, titles))]
    named += title_hits
    if not named:  # "what benchmarks does Graph Segment Training use?": a title's own words
        named += _capitalised_run(rest, titles, catalog)
    if not named and _QUANTITY_ASK.search(question) and not (
            _NAMED_FRAME.search(question) or _paper_asked(question)):
        # "how many hands are annotated in the richer 2D hands poster?": a figure asked of a
        # poster named by its title's words is read from that poster's sentences. (Other
        # questions about a described poster are answered by search, which finds it too.)
        named += _described(rest, titles, catalog)
        title_hits = [b for b in named if b not in numbers]
    author = match_author(rest, catalog, titles.known)
    absent = None if author is not None else absent_author(rest, titles.known)
    if absent:  # no poster is theirs: the filter admits none, and the answer says so
        author = AuthorMatch(absent, [])
    kinds = frozenset(k for k, pattern in _KINDS.items() if pattern.search(rest)) or None
    if kinds is None and _PLAIN_KIND.search(rest):  # "only the regular posters": that kind
        kinds = frozenset({"poster"})
    award = bool(_AWARD.search(rest))
    drop: list[str] = [*(f"{k}s" for k in (kinds or ())), *(kinds or ())]
    if author is not None:
        drop += author.label.replace(" and ", " ").split()
    cleaned = _BOARD.sub(" ", rest)
    for board in named:  # a bare number that named a board is not part of the topic
        cleaned = re.sub(rf"\b{board}\b", " ", cleaned)
    for board in title_hits:  # the title's words name the poster, they are not the topic
        title = [w for w in titles.words[board] if w not in STOP]
        said = _name_said(board, cleaned, titles)
        if said:  # named by its name ("ASL Citizen"): the rest of the title was not said,
            title = said  # and words of it the question uses ask something ("dataset size")
        whole = titles.words[board]  # "SpikeDriven": two of its words typed as one
        pairs = {a + b for a, b in pairwise(whole)}
        drop += title + [w for w in _title_words(cleaned)
                         if w in pairs or any(_near(w, t) for t in title)]
    if award:
        cleaned = _AWARD.sub(" ", cleaned)
    if kinds:  # "a spotlight or a regular poster?": the other kind, no topic
        cleaned = _PLAIN_KIND.sub(" ", cleaned)
        if kinds == {"poster"}:  # "the regular posters instead": no topic either
            cleaned = re.sub(r"\b(?:instead|rather)\b", " ", cleaned, flags=re.IGNORECASE)
    if author is not None:  # "with X as a co-author", "anything X worked on": the role, no topic
        cleaned = _AUTHOR_ROLE.sub(" ", _without_author_verbs(cleaned, author.label))
    if _COUNT.search(question):
        cleaned = _THRESHOLD.sub(" ", cleaned)
    in_title = bool(_IN_TITLE.search(cleaned))
    cleaned = _IN_TITLE.sub(" ", cleaned)
    topic = _topic(cleaned, drop)
    if lo is not None or hi is not None:  # "the 800 row (800-899)": the range said twice
        topic = _topic(re.sub(r"(?<![\w.])#?\d{2,7}s?(?![\w.])", " ", topic))
    if author is not None:  # the name gone: "include", "feature", "everything" were its frame
        topic = _topic(_AUTHOR_ROLE.sub(" ", topic))
        if all(fold(w) in STOP or fold(w) in _NOISE or fold(w) in _FILLER
               or fold(w) in _AUTHOR_WORDS for w in topic.split()):
            topic = ""  # "is he an author of", "who else worked with X? show his posters"
    if (kinds or award or lo is not None or hi is not None or author is not None) and all(
            fold(w) in _CARD_WORDS for w in content_words(topic)):
        topic = ""  # "the abstract of the award-winning paper": those posters, no topic
    plan = Plan(topic=topic, kinds=kinds, board_min=lo, board_max=hi, award=award,
                in_title=in_title and bool(topic),
                authors=(author.label,) if author else (),
                author_boards=frozenset(author.boards) if author else None,
                boards=tuple(dict.fromkeys(named)), missing=missing)
    plan = replace(plan, intent=_intent(question, plan, titles))
    if plan.intent == "search" and not plan.boards and _NAMED_FRAME.search(question.strip()) and (
            _described_lookup(question)):  # the description, without "where is it located?"
        described = named_paper(question)
        while (opener := _DESCRIPTION.match(described)) and opener.end() < len(described):
            # "I remember a poster where ...", "the steganography one with diffusion"
            what = opener.group("what") or ""
            described = (what if fold(what.strip()) not in STOP | _NOISE | _FILLER else ""
                         ) + described[opener.end():].strip()
        plan = replace(plan, topic=_topic(described) or plan.topic)
    if (plan.intent == "search" and _COMPARE.search(question)
            and plan.author_boards is not None and 2 <= len(plan.author_boards) <= 4):
        # "compare the two Zhiwei Hao papers": that author's posters, side by side; with a
        # topic ("the diff between Kai Han's distillation papers"), those whose titles say it
        boards = sorted(plan.author_boards, key=_ref_order)
        wanted = [w for w in _title_words(plan.topic)
                  if w not in STOP and w not in _NOISE and w not in _FILLER]
        if wanted:
            boards = [b for b in boards if any(_near(w, t) for w in wanted
                                               for t in titles.words.get(b, []))]
        if len(boards) >= 2:
            plan = replace(plan, intent="compare", boards=tuple(boards), topic="")
    return replace(plan, asks=_asks(question, plan))


# "what baselines does AlpacaFarm compare against?": what the poster compares itself with is
# asked of it (the question ends where the other side would be), not a second poster.
_COMPARED_WITH_WHAT = re.compile(r"^(?:what|which)\b.*\bcompar\w*\s+(?:against|to|with)\s*"
                                 r"[?.!]*$|\b(?:compar\w*|relative)\s+(?:to|with|against)\s+"
                                 r"(?:the\s+)?(?:previous|prior|existing|other|earlier|older|"
                                 r"standard|traditional|conventional|baseline|classic(?:al)?|"
                                 r"state[- ]of[- ]the[- ]art|sota)\b", re.IGNORECASE)
# Words that rank one poster above another ("more", "better", "faster", "cheapest").
_COMPARATIVE = (r"\b(?:more|less|better|worse|best|worst|(?:fast|slow|cheap|bigg?|small|larg|"
                r"high|low|strong|weak|simpl|new|old|long|short|eas|hard|quick|safe)(?:i?er|i?est))\b")
# A choice between posters: "which is faster, A or B?", "is A more accurate than B?"
_CHOICE = re.compile(r"\bwhich\b.*\bor\b|\b(?:more|less)\s+\w+|\b\w+er\s+than\b",
                     re.IGNORECASE)


def _intent(question: str, plan: Plan, titles: TitleIndex) -> str:
    named_frame = (_NAMED_FRAME.search(question.strip()) or _paper_asked(question)) and not (
        plan.has_filters())
    if named_frame and len(plan.boards) == 1:  # "Where is the Monarch Mixer poster?"
        return "named"
    if len(plan.boards) >= 2 and (_CHOICE.search(question) or re.search(r"\bor\b", question)):
        return "compare"  # "which is more efficient, Monarch Mixer or #418?"
    if _COMPARE.search(question) and (len(plan.boards) >= 2 or (
            plan.boards and plan.topic and not _QUANTITY_ASK.search(question)
            and not _COMPARED_WITH_WHAT.search(question))):
        # "QLoRA vs PEQA": the side not named is found by its words; but "how much faster
        # than BERT is Monarch Mixer?" asks one poster for a figure
        return "compare"
    if (len(plan.boards) == 1 and plan.topic and re.search(r"\bor\b", question)
            and re.search(r"\bwhich\b", question, re.IGNORECASE)
            and re.search(_COMPARATIVE, question, re.IGNORECASE)):
        return "compare"  # "Mip-Grid or volume feature rendering: which is faster?"
    similar = _SIMILAR.search(question)
    if len(plan.boards) == 1 and similar and (
            not _CARD.search(question) or _SIMILAR_ONLY.search(question)
            or similar.group(1).lower() != "like"):
        # "show me posters similar to HyP-NeRF", "what's related to the Koopa paper" ask for
        # its neighbours; "what's the LinkerNet poster like?" asks for the poster
        return "similar"
    if plan.boards:  # "how many epochs does #813 say ..." asks the poster, not for a count
        return "poster"
    if plan.topic and _SIMILAR_ONLY.search(question) and not _COUNT.search(question):
        return "similar"  # "posters like the EGG one on ...": the one described, found first
    if _COUNT.search(question) and (_COUNTS_POSTERS.search(question)
                                    or not _COUNTS_THINGS.search(question)):
        return "count"
    if _WHO.search(question) and plan.topic and plan.author_boards is None:
        return "poster"  # "who wrote Rotating Features?": the poster found by its words
    if plan.missing and not plan.topic:
        return "poster"
    if named_frame and _described_lookup(question):
        # "the work that attacks LWE with sparse secrets - which board?": a poster described,
        # found by its words (a name no title matched would be absent)
        return "search"
    if named_frame or (not plan.boards and not plan.has_filters() and (
            _title_like(question) or _unknown_name(question, titles))):
        return "named"
    return "search"


def _beyond_title(question: str, board: int, titles: TitleIndex) -> bool:
    """The question matched `board`'s title by its words, not its name, and says two or
    more things the title does not: "anything about giving language models a longer
    context or a long-term memory" asks for a topic that one title happens to share."""
    if _name_said(board, question, titles):
        return False
    title = titles.words.get(board, [])
    extra = {w for w in _title_words(question) if w not in STOP and w not in _NOISE
             and w not in _FILLER and w not in _REQUEST and not any(_near(w, t) for t in title)}
    return len(extra) >= 2


def _unknown_name(question: str, titles: TitleIndex) -> bool:
    """A question that is little more than a coined name the session never uses ("PaLM-E?",
    "GPT-5 paper"): a paper asked for by name, and absent. A name the session uses ("NeRF")
    is a topic."""
    words = strip_frame(question).split()
    if not titles.known or not 1 <= len(words) <= 3:
        return False
    coined = [w.strip("?.!,'\"") for w in words if _coined(w.strip("?.!,'\""))]
    return bool(coined) and all("".join(_title_words(w)) not in titles.known for w in coined)


# How a poster is described rather than named: "there's a poster about ...", "the work that
# ...", "someone built ...", "a paper checking ...", "the one using ...".
_DESCRIPTION = re.compile(
    r"^(?:(?:there(?:'s|’s| is| was)|(?:someone|somebody|a friend|a colleague)(?:\s+(?:told "
    r"(?:me|us) about|mentioned|recommended))?|i (?:saw|heard|remember|read)(?:\s+(?:about|"
    r"of))?)\b|"
    r"(?:(?:a|an|the|that|this|some)\s+)?(?P<what>[\w-]+\s+)?(?:poster|paper|work|method|one|study|"
    r"approach|project|talk|model|system|framework)\s+(?:that|which|who|where|about|on|"
    r"using|with|showing|[a-z]+ing)\b)", re.IGNORECASE)


def _described_lookup(question: str) -> bool:
    """ "the work that ... - which board?", "the steganography one with diffusion, which
    board": a poster described, asked for where it is. Without such an opening, a long run of
    lower-case words is a description too ("differentiable inference of evolutionary trees
    from sequences, which board"): a title typed in lower case is found by the title index
    before this is asked."""
    name = named_paper(question)
    if _DESCRIPTION.match(question.strip()):
        return _describes(name, least=2)
    return _describes(name, least=4) and not any(
        w[0].isupper() for w in re.findall(r"[A-Za-z][\w'-]*", name))


def _describes(name: str, least: int = 3) -> bool:
    """What a "where is X?" question that opens as a description does ("the paper that ...",
    see `_DESCRIPTION`) calls X is one: three or more words of substance, mostly lower case
    ("a method that recovers focal length from one photo"); a title typed in lower case
    names a poster the title index finds first."""
    words = [w for w in re.findall(r"[A-Za-z][\w'-]*", name)
             if fold(w) not in STOP and fold(w) not in _NOISE and not w.isupper()
             and not _coined(w)]
    return len(words) >= least and sum(w[0].isupper() for w in words) < 0.5 * len(words)


def _title_like(question: str) -> bool:
    """A pasted paper title ("Are Emergent Abilities of Large Language Models a Mirage?"):
    four or more words of substance, nearly all capitalised, and no request around them.
    Acronyms count neither way ("RLHF vs DPO for chatbots" is not a title)."""
    if strip_frame(question) != question.strip(" ?.!"):
        return False  # "Which posters are about Large Language Model Alignment?"
    words = [w for w in re.findall(r"[A-Za-z][\w'-]*", question)
             if fold(w) not in STOP and fold(w) not in _NOISE and not w.isupper()]
    capitalised = sum(w[0].isupper() for w in words)
    return len(words) >= 4 and capitalised >= 0.75 * len(words)


# A part of a poster asked for by its role: its method ("how does HeadSculpt work?", "what
# method does #613 use?", "what do the authors propose?"), its evaluation ("what is #418
# evaluated on?"), its main result. The answer is the sentence playing the role
# (`answer.best_sentence`), never the whole card.
_ROLE_ASKED = re.compile(
    r"\b(?P<how>how\s+(?:does|do|did)\s+(?:[\w-]+\s+){0,3}?(?:work|function|operate))\b|"
    r"\b(?:main|key|core|central|big|basic)\s+(?:ideas?|points?|insights?|results?|findings?|"
    r"contributions?|claims?|takeaways?)\b|\b(?:what|which)\s+(?:\w+\s+)?(?:methods?|approach(?:es)?|"
    r"techniques?|datasets?|benchmarks?)\b|\b(?:their|its)\s+(?:methods?|approach|technique|"
    r"idea)\b|\bpropos(?:e|es|ed)\b|\bevaluat\w*(?:\s+on)?\b|\btested\s+on\b|"
    r"\b(?:what|which)\s+(?:did|do|does)\s+(?:it|they|the\s+authors)\s+(?:find|show)\b",
    re.IGNORECASE)
# "what do the HeadSculpt authors propose?": the authors are the subject, not what is asked
_AUTHORS_DO = re.compile(r"\bauthors?\s+(?:propose|find|found|show|claim|use|introduce|present|"
                         r"argue|evaluate|do|did|test|achieve|study)\b", re.IGNORECASE)


def _role_asked(question: str) -> str:
    """The role a question asks of a poster, in words `answer.best_sentence` reads ("how does
    the method work", "what method", "evaluated on"), "" when it asks none."""
    found = _ROLE_ASKED.search(question)
    if not found:
        return ""
    return "how does the method work" if found.group("how") else found.group(0).lower()


def _asks(question: str, plan: Plan) -> str:
    """For a question about named posters, what is asked of them ("" = show the card)."""
    if plan.intent == "poster" and _WHO.search(question) and not _AUTHORS_DO.search(question):
        return "authors"  # "who wrote the spike-driven transformer?", named or described
    if plan.intent not in ("poster", "compare") and not plan.boards:
        return ""
    quoted = _QUOTED.search(question)
    if not plan.topic and quoted and plan.boards:
        # "what does 'Birth of a Transformer' find about induction heads?": the quote named
        # the poster; the rest of the question is what is asked of it
        rest = _topic(f"{question[:quoted.start()]} {question[quoted.end():]}")
        if content_words(rest):
            return with_quantity(question, rest)
    role = _role_asked(question) if plan.intent == "poster" else ""
    if role and not (set(content_words(plan.topic)) - set(content_words(role))):
        return role  # "what method does #613 use?": the role is all that is asked
    if _CARD.search(question) and not plan.topic:
        return ""
    return with_quantity(question, plan.topic)


_QUANTITY_ASK = re.compile(r"\b(how (?:many|much|large|big|fast|long)|what (?:percentage|"
                          r"fraction|accuracy|speedup))\b", re.IGNORECASE)


# "How do they fix expected improvement?", "what does it use instead of attention?": the
# method is asked, whatever words it shares with the question.
_MANNER = re.compile(r"\bhow (?:do|does|did|can|could|is|are) (?:they|it|the authors|this|"
                     r"that|the (?:poster|paper|method|model))\b|\bwhat (?:does|do|did) (?:it|"
                     r"they) use\b|\binstead of\b", re.IGNORECASE)


def with_quantity(question: str, asks: str) -> str:
    """Keep "how many" in what is asked: the answer is then the sentence with the figure.
    A question about how (the method) keeps its "how"."""
    quantity = _QUANTITY_ASK.search(question)
    if asks and not quantity and _MANNER.search(question):
        return f"how {asks}"
    if not (quantity and asks):
        return asks
    phrase = quantity.group(1)
    last = phrase.split()[-1].lower()
    if asks.lower().split()[0] == last:  # "how much" + "much memory": once
        asks = asks.split(" ", 1)[1] if " " in asks else ""
    return f"{phrase} {asks}".strip()


# "Do you have the DreamBooth poster?", "the GPT-4 technical report", "BERT paper?",
# "looking for 'Visual Instruction Tuning'": a paper asked for by its name (see `_paper_asked`).
_PAPER_ASKED = re.compile(
    r"^(?:(?:(?:can|could|may)\s+(?:i|we)\s+(?:see|find|get)|do\s+you\s+have|(?:i'?m\s+|i\s+am\s+)?"
    r"looking\s+for|show\s+me|find(?:\s+me)?)\s+)?(?:the\s+)?(?P<name>.+?)\s+(?P<what>paper|poster|"
    r"(?:technical\s+|tech\s+)?report|preprint)(?:\s*[-—:,]?\s*(?:here|around|in this session)?)"
    r"\s*[?.!]*$"
    r"|^(?:(?:i'?m\s+|i\s+am\s+)?looking\s+for|find(?:\s+me)?|show\s+me|do\s+you\s+have)\s+"
    r"(?:the\s+)?[\"“'‘](?P<quoted>[^\"”’]{3,120}?)[\"”’'](?:\s+(?:paper|poster))?\s*[?.!]*$",
    re.IGNORECASE)
_JOINERS = frozenset("of for and the a an in on with to is are all you we do does via from at "
                     "by as not".split())


def _paper_asked(question: str) -> str:
    """The name of a paper asked for as such: "the <name> paper/poster/report" (or a quoted
    title after "looking for"), where every word of the name is written as a name is
    (capitalised, a number, coined: "GPT-4", "Llama 2", "ResNet", "Attention Is All You
    Need"). "the diffusion paper" asks about a topic; "" then."""
    match = _PAPER_ASKED.match(normalize(question).strip())
    if not match:
        return ""
    if match.group("quoted"):
        return match.group("quoted").strip()
    name = match.group("name").strip(" \"'“”‘’")
    words = name.split()
    if not 1 <= len(words) <= 8 or fold(words[0]) in _JOINERS:
        return ""
    if len(words) == 1 and (name in FIELD_ACRONYMS or name.removesuffix("s") in FIELD_ACRONYMS):
        return ""  # "GNN paper?": a field's term, asked as a topic
    if all(w[0].isupper() or w[0].isdigit() or _coined(w) or (i and fold(w) in _JOINERS)
           for i, w in enumerate(words)):
        # "the GPT-4 technical report": the report is part of the name, a paper is not
        what = match.group("what").lower()
        return f"{name} {what}" if "report" in what else name
    return ""


def named_paper(question: str) -> str:
    """The name a "named" question asks about ("Is LinkerNet in this session?" -> LinkerNet)."""
    question = normalize(question)
    match = _NAMED_FRAME.search(question.strip())
    if not match:
        return _paper_asked(question) or strip_frame(question)
    name = next(g for g in match.groups() if g)
    # "the paper 'Attention Is All You Need'": the name is what the quotes hold
    name = re.sub(r"^(?:(?:the|a|an)\s+)?(?:(?:poster|paper)\s+)?(?:called\s+|titled\s+)?|"
                  r"\s+(?:poster|paper)$", "", name.strip(" \"'“”‘’?"), flags=re.IGNORECASE)
    return name.strip(" \"'“”‘’")


def _follow_up(question: str, catalog: CardIndex, titles: TitleIndex,
               previous: Previous | None) -> Plan | None:
    """A plan built on the previous turn, or None when the question starts afresh."""
    if previous is None:
        return None
    fresh = fresh_plan(question, catalog, titles)
    if fresh.intent == "summarize" and _PRONOUN_ONLY.match(fresh.topic.strip()):
        if previous.plan.topic:  # "summarize them", "summarize the area": the area asked
            return replace(fresh, topic=_area(previous))  # about before
        if previous.results:  # after one poster's card, or a list by filters: those posters
            return Plan(intent="poster", boards=tuple(previous.results[:previous.shown or 1]))
    if fresh.intent != "summarize" and _summary_alone(question) and (
            thread := _thread(previous)):
        # "what are the main themes?", "give me an overview": of what the conversation is on
        return Plan(intent="summarize", topic=_area(previous) or thread)
    if (previous.plan.authors and fresh.author_boards is None and _HE.search(question)
            and not _positions(question, len(previous.results))):
        # "any others by him?", "and her spotlights?": the author the last question named
        return fresh_plan(_HE.sub(lambda m: previous.plan.authors[0] + (
            "'s" if m.group(0).lower() in ("his", "hers") else ""), question), catalog, titles)
    results = previous.results
    same = _SAME_TOPIC.search(question)
    if same and not fresh.boards and (thread := _thread(previous)):
        # "any spotlights on the same topic?": the topic the conversation is on, put in
        return fresh_plan(f"{question[:same.start()]} {thread} {question[same.end():]}",
                          catalog, titles)
    if (len(fresh.boards) == 1 and results and results[0] != fresh.boards[0]
            and _COMPARE.search(question) and _REFERS_TO_ONE.search(question)):
        # "compare it with 527", "is this one better than QLoRA?": the poster the last
        # answer led with, and the one named
        return replace(fresh, intent="compare", boards=(results[0], fresh.boards[0]),
                       topic="", asks="")
    if fresh.intent == "summarize" and results and not _PRONOUN_ONLY.match(fresh.topic.strip()):
        # "summarize the first one", "a summary of the DELTA one": that poster's card
        ones = [results[i] for i in _positions(question, len(results))] or [
            found[0] for found in [_referent(question, previous, catalog, titles)] if found]
        if ones:
            return Plan(intent="poster", boards=tuple(ones))
    there = _THERE.search(question)
    if there and fresh.topic and not fresh.has_filters() and previous.plan.intent in (
            "search", "count") and (previous.plan.has_filters() or previous.plan.topic):
        # "anything about optimization there?": within what the last question asked for
        asked = fresh_plan(question[:there.start()], catalog, titles)
        return replace(previous.plan, topic=asked.topic, intent=asked.intent
                       if asked.intent in ("search", "count") else "search",
                       within=frozenset(results) if previous.plan.topic and results else None,
                       boards=(), missing=())
    listed = _listed(fresh, previous)
    if fresh.boards or (fresh.missing and not listed) or fresh.intent in ("summarize",
                                                                          "overview"):
        return None  # it names its own posters
    if _MORE.match(question.strip()) and previous.shown and previous.plan.intent in (
            "search", "count"):
        # "show me more": the same question, the posters of its result set not yet shown
        return replace(previous.plan, intent="search", within=frozenset(
            previous.results[previous.shown:]))
    if _MORE.match(question.strip()) and not fresh.topic and not fresh.has_filters():
        # "more" after one poster's answer: no list goes on; said so, not "not covered"
        return Plan(intent="search", topic=_thread(previous), within=frozenset())
    done_for = _DOES_IT_FOR.match(question.strip())
    if done_for and (thread := _thread(previous)):
        # "and the one that does it for diffusion models?": what the conversation was on,
        # done for something else; a new question, not the last answer's filters
        return replace(fresh_plan(f"{thread} {done_for.group('joiner')} {done_for.group('x')}",
                                  catalog, titles), intent="search")
    referent = _referent(question, previous, catalog, titles)
    if referent is not None:  # "the GAN one", "that oral", "the one by X": a poster shown
        board, rest = referent
        if _SIMILAR.search(question) and not _CARD.search(question):
            return Plan(intent="similar", boards=(board,))
        return Plan(intent="poster", boards=(board,), asks=_about_one(rest))
    what_about = _WHAT_ABOUT.match(question.strip())
    if what_about and not _positions(question, len(results)):
        # the previous filters with a new topic, even after "none of them"
        said = next((g for g in what_about.groups() if g), "")
        if results and _WHO.search(said) and not content_words(_topic(_WHO.sub(" ", said))):
            # "and the authors?": of the poster the last answer led with
            return Plan(intent="poster", boards=(results[0],), asks="authors")
        topic = _topic(said) or strip_frame(said)  # "the ones on X": X
        if previous.plan.intent in ("search", "count") and topic and not fresh.has_filters():
            return replace(previous.plan, topic=topic, within=None, boards=(), missing=())
    if (fresh.has_filters() and not fresh.topic and previous.plan.intent in (
            "poster", "similar", "compare") and (thread := _thread(previous))
            and (_CONTINUES.match(question) or (len(question.split()) <= 5
                                                and fresh.intent != "count"
                                                and not fresh.authors))):
        # after one poster's answer, "what about in the 900s?", "and orals?": the topic the
        # conversation is on, within the filters this question names
        return replace(fresh, intent="count" if _COUNT.search(question) else "search",
                       topic=thread, boards=(), missing=())
    if (fresh.has_filters() and not fresh.topic
            and (previous.plan.topic or previous.plan.has_filters())
            and previous.plan.intent in ("search", "count") and not _AMONG.search(question)
            and not _about_the_one(question)  # "is it an oral?" asks of a poster
            and (_CONTINUES.match(question) or _ELIDED.match(question)
                 or (len(question.split()) <= 4 and fresh.intent != "count"
                     # "posters by erik sudderth", "anything from X": a new subject, a
                     # person; only a kind or a range is short for the same topic
                     and not fresh.authors))):
        # "and in the 1100s?", "only the orals", "what about spotlights": the same topic,
        # the filters this question names. "how many orals?" is a whole question about the
        # session ("and how many are orals?" continues).
        intent = "count" if _COUNT.search(question) else previous.plan.intent
        return replace(previous.plan, within=None, intent=intent, **{
            k: getattr(fresh, k) for k in ("kinds", "board_min", "board_max", "authors",
                                           "author_boards", "award")
            if getattr(fresh, k) not in (None, (), False)})
    if previous.plan.intent == "chat" and not results:
        # "thanks" between two questions: the posters the conversation was on before it
        previous = replace(previous, results=list(previous.plan.earlier[:1]), shown=0)
        results = previous.results
    recent = _recent(question, previous)
    if recent:  # "compare the last two", "the previous one": posters of earlier turns too
        rest = _BOTH.sub(" ", _LAST_N.sub(" ", _PREVIOUS_ONE.sub(" ", question)))
        asks = _about_one(rest)
        if _COMPARE.search(question) or (len(recent) >= 2 and _SEVERAL.search(question)
                                         and not content_words(asks)):
            return Plan(intent="compare", boards=recent, asks=asks)
        return Plan(intent="poster", boards=recent, asks=asks)  # "both orals?": of each
    if not results and previous.plan.listed:
        # after an answer of none ("There are no orals ..."): "those" are the list before it
        results = list(previous.plan.listed)
    elif _MORE.match(previous.question.strip()) and previous.plan.within is not None:
        # after "show me more": the whole list, the posters just shown first
        results = [*results, *(b for b in previous.plan.listed if b not in results)]
    if not results:
        return None
    ranked = results
    if len(results[:previous.shown or None]) < 2 and previous.plan.listed and not listed:
        # "and the second?" after a turn about the first of a list: that list's second
        ranked = list(dict.fromkeys([*previous.plan.listed, *results]))
    positions = _positions(question, len(ranked)) or listed
    if positions:  # "the second one", "compare the first two", "more like the last one"
        boards = tuple(ranked[i] for i in positions)
        rest = _TOP_ONE.sub(" ", _FIRST_N.sub(" ", _ORDINAL.sub(" ", _BOARD.sub(
            " ", question) if listed else question)))
        if _COMPARE.search(question) and (len(boards) >= 2 or _asks_several(question)):
            # "compare the first two" after an answer with one poster: a comparison of one,
            # which the answer says, rather than a second poster made up
            return Plan(intent="compare", boards=boards, asks=_about_one(rest))
        if _SIMILAR.search(question) and not _CARD.search(question):
            return Plan(intent="similar", boards=boards[:1])
        return Plan(intent="poster", boards=boards, asks=_about_one(rest))
    shown = results[:previous.shown] if previous.shown else results
    if _WHICH_CHOICE.search(question) and not fresh.has_filters():
        other = next((b for b in previous.plan.earlier if b not in shown), None)
        if len(shown) >= 2 or (len(shown) == 1 and other is not None):
            # "which is more energy efficient?" after two posters, shown together or one
            # after the other; after a list, its first few side by side (as "compare them")
            pair = tuple(shown[:4]) if len(shown) >= 2 else (other, shown[0])
            return Plan(intent="compare", boards=pair, asks=_about_one(question))
    ones = _THE_ONES.match(question.strip())
    if ones and not fresh.has_filters() and not fresh.boards:
        # "the clustering ones", "just the RL papers" after a list: those of its posters
        return replace(fresh_plan(ones.group(1), catalog, titles), intent="search",
                       within=frozenset(results))
    pair = _OF_THE_FEW.search(question)
    if pair and len(shown) < _SMALL_NUMBERS.get(pair.group(1).lower(), 2):
        # "which of the two ..." after two turns of one poster each: those posters
        wanted = _SMALL_NUMBERS.get(pair.group(1).lower(), 2)
        few = [*shown, *(b for b in previous.plan.earlier if b not in shown)][:wanted]
        plan = fresh_plan(_OF_THE_FEW.sub(" ", _AMONG.sub(" ", question)), catalog, titles)
        return replace(plan, intent="count" if _COUNT.search(question) else "search",
                       within=frozenset(few))
    elided = _ELIDED.match(question) or _NARROW.match(question)
    if _AMONG.search(question) or elided:  # "which of those ...", "which use RL?"
        rest = _AMONG.sub(" ", question[elided.end():] if elided else question)
        plan = fresh_plan(rest, catalog, titles)
        intent = "count" if _COUNT.search(question) else "search"
        # "any of them ...?" after an answer of one poster: the list before it
        among = results if len(shown) >= 2 or not previous.plan.listed else \
            previous.plan.listed
        return replace(plan, intent=intent, within=frozenset(among))
    only = _ONLY.search(question)
    if only and fresh.kinds and not fresh.topic:
        return replace(previous.plan, kinds=fresh.kinds, within=None)
    several = _SEVERAL.search(question)
    if several and _COMPARE.search(question) and len(shown) >= 2:
        # "compare the two", "how do they differ?": the posters the last answer showed
        wanted = _SMALL_NUMBERS.get((several.group(1) or "").lower()) or min(
            4, previous.shown or 2)
        return Plan(intent="compare", boards=tuple(results[:max(2, wanted)]))
    if several and _COMPARE.search(question) and len(shown) == 1:
        # One poster shown ("and 1220?" after "what's at 1126?"): the two are it and the
        # poster the turn before led with
        other = next((b for b in previous.plan.earlier if b != shown[0]), None)
        return Plan(intent="compare", boards=(shown[0],) if other is None else (other,
                                                                                  shown[0]))
    if _SIMILAR.search(question) and not fresh.topic and not fresh.has_filters():
        # "anything similar?", "similar posters?": like the poster the last answer led with
        return Plan(intent="similar", boards=(results[0],))
    described = _THE_ONE.search(question)
    kind = described and _KINDS_NAMED.get(described.group(1).lower())
    if kind:  # "the spotlight one": the one poster of that kind the last answer showed
        of_kind = [c.ref for c in catalog.cards if c.kind == kind]
        matching = [b for b in shown if b in set(of_kind)]
        if len(matching) == 1:
            rest = question.replace(described.group(0), " ")
            return Plan(intent="poster", boards=(matching[0],), asks=_about_one(rest))
    if described and (board := _best_title(described.group(1), results, titles)):
        rest = question.replace(described.group(0), " ")
        return Plan(intent="poster", boards=(board,), asks=_about_one(rest))
    about_one = len(results) == 1 or previous.shown == 1 or previous.plan.intent in (
        "poster", "named") or bool(
        _IT.search(question) and _COUNTS_THINGS.search(question)) or bool(  # "how many X did"
        _SINGULAR.search(question) and not fresh.has_filters() and not _FRAME_LISTS.match(
            question))  # "who wrote it?" after a list: the poster it led with
    if about_one and (_IT.search(question) or _WHO.search(question) or _CARD.search(question)
                      or _ASKS_OF_IT.match(question)
                      or (_COUNT.search(question) and not _COUNTS_POSTERS.search(question))):
        return Plan(intent="poster", boards=(results[0],), asks=_about_one(question))
    focused = len(results) == 1 or previous.shown == 1 or (
        previous.plan.intent in ("poster", "named") and len(previous.plan.boards) <= 1)
    if (focused and fresh.topic and not fresh.has_filters() and _ASKS.match(question)
            and not _ASKS_FOR_POSTERS.search(question) and not what_about
            and len(content_words(fresh.topic)) <= _ATTRIBUTE_WORDS):
        # "how big is the model?", "is there code?", "which dataset is used?" after an
        # answer about one poster: asked of it, not of the session
        return Plan(intent="poster", boards=(results[0],), asks=_about_one(question))
    if (focused and asks_for_many(question) and not fresh.topic and not fresh.has_filters()
            and previous.plan.intent in ("poster", "named")):
        return Plan(intent="similar", boards=(results[0],))  # "any other posters on this?"
    if fresh.topic or fresh.author_boards is not None or fresh.intent not in ("search", "count"):
        return None  # a subject of its own: a new question
    # No subject of its own: the question is about what the last answer was about.
    if fresh.intent == "count" and not fresh.has_filters() and previous.plan.intent in (
            "search", "count"):  # "how many are there?": the posters of the last answer
        return replace(previous.plan, intent="count")
    if (_LIST_THEM.match(question) or asks_for_many(question)) and previous.plan.intent in (
            "search", "count"):
        return replace(previous.plan, intent="search")  # "list them", "any others on it?"
    if (_about_the_one(question) or _IT.search(question) or _WHO.search(question)) and not (
            _points_at(question)):  # "that oral" when the last answer showed none: not its first
        # "which board is it on?", "is it an oral?", "what do they find?" after a list
        return Plan(intent="poster", boards=(results[0],), asks=_about_one(question))
    return None


# A question of the one poster the conversation is on, about a thing of its own ("is the
# code available?", "does the method need labels?", "are their results strong?").
_ASKS_OF_IT = re.compile(r"^(?:(?:and|so|ok(?:ay)?|but)[\s,]+)*(?:is|are|was|were|does|do|did|"
                         r"has|have|can|could|will|would)\s+(?:the|their|its)\s+\w",
                         re.IGNORECASE)
# "... there?", "... in there?" at the end: where the last question looked (not "is there").
_THERE = re.compile(r"(?<!\bis)(?<!\bare)\s+(?:in\s+|among\s+)?there\s*[?.!]*$", re.IGNORECASE)
# An author spoken of ("any others by him?", "her spotlights").
_HE = re.compile(r"\b(?:he|him|his|she|her|hers)\b", re.IGNORECASE)
# A question (not a topic typed alone), and one that asks for posters or people rather than
# about a poster ("is there work on X?", "who works on X?", "anything similar?").
_ASKS = re.compile(r"^(?:(?:and|so|ok(?:ay)?|but|also)[\s,]+)*(?:what|which|how|why|where|when|"
                   r"is|are|does|do|did|can|could|was|were|has|have|will|would)\b",
                   re.IGNORECASE)
_ASKS_FOR_POSTERS = re.compile(r"\b(?:posters?|papers?|works?|research|studies|anyone|anybody|"
                               r"someone|somebody|people|groups?|labs?|anything|something|"
                               r"others?|else|similar|related)\b|^who\b", re.IGNORECASE)
_ATTRIBUTE_WORDS = 3  # a thing asked of a poster is a few words ("the model size")
# Posters asked for without a noun of their own ("which use RL?", "do any handle video?",
# "those dealing with X", "just the ones about Y", "any about speech?"): the noun left out is
# the last answer's posters. ("Which posters use RL?" names its own.)
_VERBS = (r"(?:use|do|handle|address|involve|study|apply|focus|deal|tackle|target|consider|"
          r"propose|have|need|mention|rely|cover|work|try|train|run|test|evaluate|improve|get|"
          r"make|look|talk|include|employ|leverage|exploit|build|introduce|present|show|report|"
          r"achieve|beat|outperform|support|combine|learn|model|predict|generate|detect|aim|"
          r"care|come|go)(?:s|es|d|ed)?")
_ELIDED = re.compile(
    r"^(?:(?:and|so|ok(?:ay)?|now|then|but|also|well)[\s,]+)*(?:(?:only|just)\s+)?"
    r"(?:(?:show|list|give|tell)(?:\s+me)?\s+)?(?:(?:only|just)\s+)?"
    r"(?:(?:those|these)\b(?!\s+(?:two|three|four)\b)|"
    r"(?:which|any|the\s+ones|ones|how\s+many)(?=\s+(?:that|which|who|about|on|with|for|in|"
    r"from|using|above|below|over|under|after|before|between|[a-z]+ing\b(?!\s+(?:posters?|"
    r"papers?|work|ones|stuff|research|talks?)))\b)|"
    # a verb after "which" ("which use RL?"); after "any" it may be a noun ("any work on X")
    r"(?:which|the\s+ones|ones)(?=\s+" + _VERBS + r"\b)|"
    r"(?:do|does|did|are|is|were|was)\s+any\b(?!\s+(?:posters?|papers?|work|works|studies|"
    r"research|presentations?)\b))", re.IGNORECASE)
# "narrow it down to X", "filter those by Y", "restrict to Z": the last answer's posters, on X.
_NARROW = re.compile(r"^(?:(?:and|so|ok(?:ay)?|now|then|can you|could you|please|what about|"
                     r"how about)[\s,]+)*(?:(?:narrow|filter|restrict|limit|cut|trim|whittle)"
                     r"(?:ing)?\b(?:\s+(?:it|them|that|those|these|this|the\s+(?:list|results?)))?"
                     r"(?:\s+(?:down|back))?\s+(?:to|by|for|on)\s+|(?:keep|leave)(?:ing)?\s+"
                     r"(?:only|just)\s+)", re.IGNORECASE)
# "list them", "show me those", "give me the list": the last answer's posters themselves.
_LIST_THEM = re.compile(r"^(?:(?:ok(?:ay)?|and|so|then|now)[\s,]+)*(?:(?:can|could) you\s+)?"
                        r"(?:list|show|give|name|see)\b", re.IGNORECASE)


def _about_the_one(question: str) -> bool:
    """A question about one poster ("is it an oral?", "which board is it on?"), not about
    several ("are they orals?", "which of them ...")."""
    return bool(_SINGULAR.search(question)) and not _SEVERAL.search(question)


# "the last two", "the previous two": the posters the conversation showed last, reaching
# past the last answer when it showed fewer ("compare the last two" after two turns about one
# poster each). "the previous one", "the earlier poster": the poster of the turn before, as
# against "this one" (the last answer's).
_LAST_N = re.compile(r"\b(?:the\s+)?(?:last|previous|latest|most recent)\s+(two|three|four|2|3|4)"
                     r"\b", re.IGNORECASE)
_PREVIOUS_ONE = re.compile(r"\b(?:the\s+)?(?:previous|earlier|former|prior)\s+(?:one|poster|"
                           r"paper)\b|\bthe one (?:before|earlier)\b", re.IGNORECASE)


# "the clustering ones", "only the RL papers": a topic that narrows the last list.
_THE_ONES = re.compile(r"^(?:(?:and|so|ok(?:ay)?|now|then)[\s,]+)*(?:(?:only|just|show(?:\s+me)?|"
                       r"list|give\s+me)\s+)*(?:the|those)\s+((?:[\w-]+\s+){0,4}?[\w-]+)\s+"
                       r"(?:ones|posters|papers)\s*[?.!]*$", re.IGNORECASE)
# "which of the two", "either of both": the last few posters shown, one per turn or not.
_OF_THE_FEW = re.compile(r"\b(?:of|among|between)\s+(?:the\s+)?(two|three|four|both)\b",
                         re.IGNORECASE)


_BOTH = re.compile(r"\b(?:both|the two|them two|the pair)\b", re.IGNORECASE)


def _recent(question: str, previous: Previous) -> tuple[int, ...]:
    """The posters a question names by when the conversation showed them: "the last two"
    (oldest first, as they were shown), "both" after turns of one poster each, "the previous
    one" with "this one" when both are said; () when it names none this way."""
    shown = list(previous.results[:previous.shown] if previous.shown else previous.results)
    before = [b for b in previous.plan.earlier if b not in shown]
    last_n = _LAST_N.search(question)
    if last_n:
        wanted = _SMALL_NUMBERS[last_n.group(1).lower()]
        if len(shown) >= wanted:
            return tuple(shown[-wanted:])
        newest_first = [*shown, *before][:wanted]
        return tuple(reversed(newest_first)) if len(newest_first) >= 2 else ()
    if (_BOTH.search(question) and not _OF_THE_FEW.search(question) and len(shown) == 1
            and before):
        # "both orals?", "compare both" after two turns of one poster each
        return (before[0], shown[0])
    if _PREVIOUS_ONE.search(question) and before:
        if shown and (_REFERS_TO_ONE.search(_PREVIOUS_ONE.sub(" ", question))
                      or _COMPARE.search(question)):
            return (before[0], shown[0])
        return (before[0],)
    return ()


# "the top one", "the top hit": the first of the last answer ("the top posters on X" are not).
_TOP_ONE = re.compile(r"\bthe\s+top(?:\s+|-)(?:one|poster|paper|result|hit|pick|match)\b",
                      re.IGNORECASE)


def _listed(fresh: Plan, previous: Previous) -> list[int]:
    """ "#2", "number 3" after a list, where the session has no such board: the positions in
    the last answer's list ([] when the question names no such number)."""
    shown = previous.shown or len(previous.results)
    numbers = [int(m[1:]) for m in fresh.missing if m[1:].isdigit()]
    if shown < 2 or not numbers or fresh.boards or not all(1 <= n <= shown for n in numbers):
        return []
    return [n - 1 for n in numbers]


def _positions(question: str, count: int) -> list[int]:
    """The positions in the previous answer a question points at ("the first two" -> 0, 1;
    "the 2nd and the last" -> 1, -1 as an index), within its `count` results."""
    question = _AUTHOR_PLACE.sub(" ", question)  # "its first author" points at no poster
    first_n = _FIRST_N.search(question)
    if first_n:
        return list(range(min(count, _SMALL_NUMBERS[first_n.group(1).lower()])))
    found = [ORDINALS[m.group(1).lower()] for m in _ORDINAL.finditer(question)]
    found += [0] * bool(_TOP_ONE.search(question))
    found = [count - 1 if i == -1 else i for i in found]
    return list(dict.fromkeys(i for i in found if i < count))


def _about_one(question: str) -> str:
    """What is asked of one poster: "authors", its card (""), or a question about it."""
    if _WHO.search(question):
        return "authors"
    rest = _IT.sub(" ", question)
    if _CARD.search(rest.strip()) and not _topic(_CARD.sub(" ", rest.strip())):
        return ""
    return with_quantity(question, _topic(rest))


_KINDS_NAMED = {"oral": "oral", "spotlight": "spotlight", "oral poster": "oral",
                "spotlight poster": "spotlight"}
# "the same topic", "that area": the topic the conversation is on.
_SAME_TOPIC = re.compile(r"\b(?:the\s+)?same\s+(?:topic|area|subject|theme|field|problem|"
                         r"direction)s?\b|\bth(?:at|is)\s+(?:topic|area|subject|theme|field)\b",
                         re.IGNORECASE)
# "compare it with ...", "is this one better than ...": the poster of the last answer.
_REFERS_TO_ONE = re.compile(r"\b(?:it|this one|that one|this poster|that poster|this paper|"
                            r"that paper)\b|\b(?:compare|contrast)\s+(?:this|that)\b|"
                            # "vs PEQA?", "and compared with #441?": the subject left out
                            r"^(?:and\s+|but\s+|so\s+)?(?:vs\.?|versus|against|compared (?:to|"
                            r"with)|in comparison (?:to|with)|how about (?:vs\.?|versus|"
                            r"compared (?:to|with)))\s", re.IGNORECASE)
# "which is more energy efficient?", "which one's faster?": a choice between the posters the
# conversation is on.
_WHICH_CHOICE = re.compile(r"^(?:and\s+|so\s+|ok(?:ay)?\s+)?which(?:\s+one|\s+of\s+(?:the|these|"
                           r"them|those)\s+two)?(?:'s|\s+(?:is|was|does|has|gets|runs|scales|"
                           r"seems|looks))?\b.*" + _COMPARATIVE, re.IGNORECASE)


def _asks_several(question: str) -> bool:
    """ "the first two", "the 2nd and the 3rd": more than one poster, by position."""
    return bool(_FIRST_N.search(question)) or len(_ORDINAL.findall(question)) >= 2


# "them", "the two", "both": the posters of the previous answer, together.
_SEVERAL = re.compile(r"\b(?:the|those|these)\s+(two|three|four)\b|\b(?:both|them|they|those|"
                      r"these|the (?:two|three|four)|all of them|em)\b|'em\b", re.IGNORECASE)
# "it", "this one": one poster, the first of the previous answer when it showed several.
_SINGULAR = re.compile(r"\b(?:it|its|it's|this one|that one|this poster|that poster|this paper|"
                       r"that paper)\b|\b(?:wrote|write|made|presents?|presented|about|on|"
                       r"explain|describe)\s+that\s*[?.!]*$", re.IGNORECASE)  # "who wrote that"
# A question that asks for posters ("any posters on it?", "which ones ...") is no question
# about one poster, whatever pronoun it holds.
_FRAME_LISTS = re.compile(r"^(?:which|are there|is there|any(?:thing|one)?|list|show|find|give "
                          r"me)\b", re.IGNORECASE)


# "the object search one", "that POMDP paper": one of the previous posters, by its words.
_THE_ONE = re.compile(r"\b(?:the|that|this)\s+((?:[\w-]+\s+){0,4}?[\w-]+)\s+(?:one|poster|"
                      r"paper)\b", re.IGNORECASE)


def _best_title(words: str, boards: list[int], titles: TitleIndex) -> int | None:
    """The one board among `boards` whose title shares the most of these words (a tie or
    no shared word: None)."""
    wanted = {w for w in _title_words(words) if w not in STOP}
    scores = sorted(((sum(any(_near(w, t) for t in titles.words.get(b, [])) for w in wanted),
                      b) for b in boards), key=lambda s: (s[0], _ref_order(s[1])), reverse=True)
    if not scores or scores[0][0] == 0 or (len(scores) > 1 and scores[1][0] == scores[0][0]):
        return None
    return scores[0][1]


_THEMES = re.compile(r"\b(?:(?:main|key|major|common|central|recurring|overall|big|general|"
                     r"broad)\s+)*(?:themes?|trends?|takeaways?|directions?|threads?|"
                     r"highlights?|gist)\b", re.IGNORECASE)


def _summary_alone(question: str) -> bool:
    """A summary or the themes asked for without an area of their own ("what are the main
    themes?", "give me an overview of them"): the conversation's topic is summarized."""
    if not (_SUMMARY_WORD.search(question) or _THEMES.search(question)):
        return False
    rest = _IT.sub(" ", _SUMMARY_AROUND.sub(" ", _THEMES.sub(" ", question)))
    return not [w for w in content_words(rest) if w not in _NOISE and w not in _FILLER
                and w not in _REQUEST and w not in STOP]


# A poster of the last answer, pointed at by what it is ("the GAN one", "that oral", "the
# spotlight one about in-context learning", "the one by Cheng Lu", "the paper on graphs").
_REFERENT = re.compile(
    r"\b(?:the|that|this)\s+(?P<pre>(?:[\w-]+\s+){0,4}?)(?P<head>one|poster|paper|"
    r"(?:oral|spotlight)(?!\s+(?:one|poster|paper)\b))\b(?!-)"
    r"(?P<post>\s+(?:on|about|with|using|that|which|who|where|from|by|for|in|doing|called|"
    r"named|studying|proposing)\b(?:(?!\s-\s)[^,?.;:!—–()])*)?", re.IGNORECASE)
# Words around a referent that say where, not what ("the previous one", "the other paper").
_NOT_WHAT = frozenset("""other same next previous earlier former prior latter above below
latest most top one ones poster posters paper papers work""".split()) | frozenset(ORDINALS)


def _referent(question: str, previous: Previous, catalog: CardIndex,
              titles: TitleIndex) -> tuple[int, str] | None:
    """The one poster of the previous result set the question points at by its kind, its
    authors or its words, and the question without that phrase; None when it points at
    none, or at no single one."""
    for found in _REFERENT.finditer(question):
        pre = folded_words(found.group("pre"))
        post = found.group("post") or ""
        head = found.group("head").lower()
        if any(w in _NOT_WHAT or w.isdigit() for w in pre) or (
                not pre and not post and head not in _KINDS):
            continue
        said = f"{found.group('pre')} {head} {post}"
        candidates = list(previous.results)
        kinds = {k for k in _KINDS if _KINDS[k].search(said)}
        if kinds:
            of_kind = {c.ref for c in catalog.cards if c.kind in kinds}
            candidates = [b for b in candidates if b in of_kind]
        author = match_author(post, catalog) if post else None
        if author is not None:
            candidates = [b for b in candidates if b in set(author.boards)]
        named = set(folded_words(author.label)) if author else set()
        by = re.match(r"\s*by\s+([^\W\d_][\w'’-]*)", post)
        if author is None and by:
            # "the one by Zhang": a surname many authors share names one of these posters
            surname = " ".join(folded_words(by.group(1)))
            theirs = {ref for key in catalog.by_surname.get(surname, [])
                      for ref in catalog.by_name[key]}
            if theirs & set(candidates):
                candidates = [b for b in candidates if b in theirs]
                named = {surname}
        described = f"{found.group('pre')} {post}"
        wanted = [[w for w in _title_words(text) if w not in STOP and w not in _NOISE
                   and w not in _FILLER and w not in _REQUEST and w not in named
                   and w not in _NOT_WHAT and not any(p.search(w) for p in _KINDS.values())]
                  for text in dict.fromkeys([described, _spell_out(described)])]  # "GAN"
        board = _best_described([w for w in wanted if w], candidates, previous, catalog,
                                titles)
        if board is None and (author or by) and candidates and not any(wanted):
            board = candidates[0]  # "the one by Zhang": the first of theirs the list showed
        if board is not None:
            return board, question[:found.start()] + " " + question[found.end():]
    return None


def _akin(a: str, b: str) -> bool:
    """One word, misspelt or in another form ("molecules" and "molecular", "graphs" and
    "graph", "federated" and "federation"): near, or sharing all but their last three
    letters (five at least)."""
    return _near(a, b) or (min(len(a), len(b)) >= 5 and a[:max(5, min(len(a), len(b)) - 3)]
                           == b[:max(5, min(len(a), len(b)) - 3)])


def _points_at(question: str) -> bool:
    """Whether the question points at a poster by what it is ("that oral", "the GAN one")."""
    return any(found.group("pre").strip() or found.group("post")
               or found.group("head").lower() in _KINDS for found in _REFERENT.finditer(question)
               if not any(w in _NOT_WHAT for w in folded_words(found.group("pre"))))


def _best_described(wanted: list[list[str]], candidates: list[int], previous: Previous,
                    catalog: CardIndex, titles: TitleIndex) -> int | None:
    """The one candidate the words describe clearly best, by its title, then between titles
    that tie by its abstract: more than half the words (of one of the ways `wanted` says them,
    acronyms spelt out or not). Without words, the only candidate the last answer showed (or
    the only one of the result set)."""
    if not wanted:
        shown = [b for b in candidates if b in previous.results[:previous.shown or None]]
        return shown[0] if len(shown) == 1 else candidates[0] if len(candidates) == 1 else None
    cards = {c.ref: c for c in catalog.cards}
    pool = list(candidates)
    for text_of in (lambda b: titles.words.get(b, []),
                    lambda b: _title_words(cards[b].text)
                    if b in cards else []):
        scores = {}
        for b in pool:
            said = set(text_of(b))
            scores[b] = max(sum(any(_akin(w, t) for t in said) for w in words) / len(words)
                            for words in wanted)
        best = max(scores.values(), default=0)
        pool = [b for b in pool if scores[b] == best]
        if best <= 0.5:
            return None
        if len(pool) == 1:
            return pool[0]
    return None


# "the richer 2D hands poster", "that idempotent compression paper": a poster by its words.
_DESCRIBED = re.compile(r"\b(?:the|that|this)\s+((?:[\w-]+\s+){0,4}?[\w-]+)\s+(?:poster|paper)\b",
                        re.IGNORECASE)


def _capitalised_run(question: str, titles: TitleIndex, catalog: CardIndex) -> list[int]:
    """The one poster whose title holds, word for word, a run of three or more capitalised
    words the question writes ("Graph Segment Training", the end of "Learning Large Graph
    Property Prediction via Graph Segment Training"); [] when no title or several do
    ("Graph Neural Networks")."""
    runs = re.findall(r"(?<![\w-])((?:[A-Z][\w'-]*\s+){2,}[A-Z][\w'-]*)", question)
    found: set[int] = set()
    for run in runs:
        words = run.split()
        while words and fold(words[0]) in STOP:  # "What Is ...": a sentence's first words
            words = words[1:]
        if len(words) < 3 or sum(fold(w) not in STOP for w in words) < 3:
            continue
        said = " ".join(_title_words(" ".join(words)))
        boards = [b for b, title in titles.words.items()
                  if f" {said} " in f" {' '.join(title)} " and b in catalog.boards]
        if len(boards) == 1:
            found.add(boards[0])
    return sorted(found) if len(found) == 1 else []


def _described(question: str, titles: TitleIndex, catalog: CardIndex) -> list[int]:
    """The one poster whose title holds at least two, and two thirds, of the words that
    describe "the ... poster" in the question, clearly ahead of any other title ([] if none)."""
    match = _DESCRIBED.search(question)
    if not match:
        return []
    wanted = {w for w in _title_words(match.group(1))
              if w not in STOP and w not in _NOISE and w not in _FILLER}
    if len(wanted) < 2:
        return []
    lookup = titles.lookup()
    candidates = {b for word in lookup.near(sorted(wanted)) for b in lookup.boards.get(word, ())}
    scores = {b: sum(any(_near(w, t) for t in titles.words[b]) for w in wanted)
              for b in candidates}
    ranked = sorted(((n, b) for b, n in scores.items() if b in catalog.boards), reverse=True)
    if not ranked:
        return []
    best, board = ranked[0]
    if best < 2 or 3 * best < 2 * len(wanted) or (len(ranked) > 1 and ranked[1][0] == best):
        return []
    return [board]


# Asking for posters in the plural ("which posters ...", "any papers on ...", "any work
# that ...", "show me all ..."), as opposed to one described poster ("Is anyone training
# policies for loading boxes into a container ...?"): a described lookup cites the poster it
# describes, not its neighbours.
_MANY = re.compile(r"\b(?:posters|papers|works|studies|projects|talks|ones|anything|list|all|"
                   r"every|show|any\s+(?:work|research|poster|paper))\b", re.IGNORECASE)


def asks_for_count(question: str) -> bool:
    """Whether the question asks how many ("how many authors does it have?")."""
    return bool(_COUNT.search(question))


def asks_for_many(question: str) -> bool:
    """Whether the question asks for posters in the plural (a list, not one poster)."""
    return bool(_MANY.search(question))
