"""The poster type: a store's poster table reads back exactly as it was written."""

from __future__ import annotations

from assistant.poster import Poster, PosterKey

# What every ingest so far has written as a line of posters.jsonl, in this order.
RECORD_FIELDS = ["board", "session", "kind", "award", "title", "authors", "abstract"]


def test_a_poster_table_record_reads_back_as_written(bundled):
    for poster in bundled.posters:
        record = poster.as_json()
        assert list(record) == RECORD_FIELDS
        assert Poster.from_json(record) == poster and Poster.from_json(record).line == 0
    # An authors line of a store written by hand keeps its spacing; no authors is no author.
    odd = {**bundled.posters[0].as_json(), "authors": "Ada  · Bo ·  Cy"}
    assert Poster.from_json(odd).as_json() == odd
    assert Poster.from_json({**odd, "authors": ""}).authors == ()


def test_a_poster_key_is_the_node_id_prefix_even_when_a_session_name_has_a_colon():
    key = PosterKey.of_node("Oral Session 3: Vision:812:4")
    assert key == PosterKey("Oral Session 3: Vision", 812)
    assert str(key) == "Oral Session 3: Vision:812" and PosterKey.parse(str(key)) == key


def test_an_author_listed_twice_for_two_affiliations_is_one_author():
    card = Poster(board=418, kind="poster", title="Spike-driven Transformer",
                  authors=("Man Yao", "Man Yao", "JiaKui Hu"), abstract="A.", session="s")
    assert card.author_line == "Man Yao · JiaKui Hu"
    assert Poster.from_json(card.as_json()) == card
