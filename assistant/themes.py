"""Themes of the session: clusters of poster vectors, their distinctive terms and a 2-D map."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

import numpy as np

from assistant.text import STOPWORDS, fold, stem, stems

# Words of any abstract; they still count inside a phrase ("diffusion models", "training data").
BOILERPLATE = frozenset("""
propose proposed proposes method methods paper results show shows approach approaches model
models based novel performance existing state-of-the-art experiments experimental demonstrate
demonstrates learning framework task tasks new however well problem problems significantly
neural network networks deep data training algorithm algorithms efficient multiple various
""".split())
SILHOUETTE_SAMPLE = 2000
THEME_SAMPLE = 3000  # larger corpora: themes found on a sample, every poster then assigned
RESTARTS = 4
MIN_HOLDERS = 2
DPI = 110

_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# Bigrams never span punctuation: "images. Graph" is not a phrase.
_CLAUSE = re.compile(r"[.,;:!?()\[\]{}\"]+")
_LATEX = re.compile(r"\\[a-z]+|\$[^$]*\$")


def _unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    if np.allclose(norms, 1.0, rtol=0, atol=1e-12):  # already unit: no copy of a large matrix
        return vectors
    return vectors / np.where(norms > 0, norms, 1.0)


def compact(vectors: np.ndarray) -> np.ndarray:
    """Unit rows with at most n columns and the same dot products: wide inputs (TF-IDF) cluster
    and project as fast as embeddings."""
    vectors = _unit(vectors)
    if vectors.shape[1] <= len(vectors):
        return vectors
    values, bases = np.linalg.eigh(vectors @ vectors.T)
    return bases * np.sqrt(np.clip(values, 0.0, None))


def _plus_plus(vectors: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k-means++ seeding with cosine distance."""
    chosen = [int(rng.integers(len(vectors)))]
    distance = 1.0 - vectors @ vectors[chosen[0]]
    for _ in range(1, k):
        weights = np.clip(distance, 0.0, None) ** 2
        if weights.sum() > 0:
            pick = int(rng.choice(len(vectors), p=weights / weights.sum()))
        else:  # every point is already a centre
            pick = int(rng.integers(len(vectors)))
        chosen.append(pick)
        distance = np.minimum(distance, 1.0 - vectors @ vectors[pick])
    return vectors[chosen].copy()


def _cluster_sums(vectors: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Row sums per cluster (zeros for an empty one), by sorted segments: a one-hot matrix
    product costs k times more on large samples."""
    counts = np.bincount(labels, minlength=k)
    filled = np.flatnonzero(counts)
    sums = np.zeros((k, vectors.shape[1]))
    sums[filled] = np.add.reduceat(vectors[np.argsort(labels, kind="stable")],
                                   (np.cumsum(counts) - counts)[filled], axis=0)
    return sums


def _recentre(vectors: np.ndarray, labels: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Normalised member means; an emptied cluster takes the point farthest from its centre."""
    new = _cluster_sums(vectors, labels, len(centres))
    fit = np.einsum("ij,ij->i", vectors, centres[labels])
    for cluster in np.flatnonzero(np.bincount(labels, minlength=len(centres)) == 0):
        farthest = int(np.argmin(fit))
        new[cluster] = vectors[farthest]
        fit[farthest] = np.inf
    return _unit(new)


def _spherical_kmeans(vectors: np.ndarray, k: int, rng: np.random.Generator,
                      iterations: int) -> tuple[np.ndarray, float]:
    centres = _plus_plus(vectors, k, rng)
    labels = np.argmax(vectors @ centres.T, axis=1)
    for _ in range(iterations):
        centres = _recentre(vectors, labels, centres)
        updated = np.argmax(vectors @ centres.T, axis=1)
        if np.array_equal(updated, labels):
            break
        labels = updated
    cohesion = float(np.einsum("ij,ij->", vectors, centres[labels]))
    return labels, cohesion


def _canonical(labels: np.ndarray) -> np.ndarray:
    """Renumber clusters in order of first appearance, so equal partitions get equal labels."""
    _, first = np.unique(labels, return_index=True)
    order = np.argsort(np.argsort(first))
    return order[np.searchsorted(np.unique(labels), labels)]


def kmeans(vectors: np.ndarray, k: int, seed: int = 0, iterations: int = 50) -> np.ndarray:
    """Cluster labels 0..k-1 for L2-normalised rows (spherical k-means, k-means++ init,
    deterministic for a seed; the most cohesive of a few restarts)."""
    vectors = _unit(vectors)
    k = max(1, min(k, len(vectors)))
    rng = np.random.default_rng(seed)
    runs = [_spherical_kmeans(vectors, k, rng, iterations) for _ in range(RESTARTS)]
    labels, _ = max(runs, key=lambda run: run[1])
    return _canonical(labels)


def silhouette(vectors: np.ndarray, labels: np.ndarray, rows: np.ndarray) -> float:
    """Mean silhouette (cosine distance) of the given rows against all points."""
    vectors = _unit(vectors)
    k = int(labels.max()) + 1
    distances = 1.0 - vectors[rows] @ vectors.T
    sums = distances @ np.eye(k)[labels]
    counts = np.bincount(labels, minlength=k).astype(np.float64)
    own = labels[rows]
    own_counts = counts[own] - 1
    inside = sums[np.arange(len(rows)), own] / np.maximum(own_counts, 1)
    means = sums / np.maximum(counts, 1)
    means[np.arange(len(rows)), own] = np.inf
    means[:, counts == 0] = np.inf
    nearest = means.min(axis=1)
    scores = (nearest - inside) / np.maximum(np.maximum(nearest, inside), 1e-12)
    return float(np.where(own_counts > 0, scores, 0.0).mean())


def choose_k(vectors: np.ndarray, k_min: int, k_max: int, seed: int = 0) -> int:
    """A k in [k_min, k_max] by silhouette on cosine distance (subsampled rows for large n)."""
    vectors = compact(vectors)
    n = len(vectors)
    rows = np.arange(n)
    if n > SILHOUETTE_SAMPLE:
        rows = np.sort(np.random.default_rng(seed).choice(n, SILHOUETTE_SAMPLE, replace=False))
    low, high = max(2, k_min), min(k_max, n - 1)
    if high < low:
        return max(1, min(k_min, n))
    scores = {k: silhouette(vectors, kmeans(vectors, k, seed), rows) for k in range(low, high + 1)}
    return max(scores, key=lambda k: (scores[k], -k))


def _kept(word: str) -> bool:
    return len(word) >= 3 and not word.replace("-", "").isdigit() and word not in STOPWORDS


def terms_of(text: str) -> list[str]:
    """Content unigrams and bigrams of a text; a bigram needs one word that is not boilerplate."""
    terms = []
    for clause in _CLAUSE.split(_LATEX.sub(" . ", text.lower())):
        words = [w if _kept(w) else None for w in _WORD.findall(clause)]
        terms += [w for w in words if w and w not in BOILERPLATE]
        terms += [f"{a} {b}" for a, b in pairwise(words)
                  if a and b and not (a in BOILERPLATE and b in BOILERPLATE)]
    return terms


def _matrix(counters: list[Counter], column: dict[str, int]) -> np.ndarray:
    matrix = np.zeros((len(counters), len(column)))
    for i, counter in enumerate(counters):
        for term, count in counter.items():
            matrix[i, column[term]] = count
    return matrix


def c_tf_idf(texts: list[str], labels: np.ndarray) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Vocabulary, the (clusters x terms) class-based TF-IDF as in BERTopic, and how many of
    each cluster's texts hold each term."""
    k = int(labels.max()) + 1 if len(labels) else 0
    counters = [Counter() for _ in range(k)]
    holders = [Counter() for _ in range(k)]
    for text, label in zip(texts, labels, strict=True):
        terms = terms_of(text)
        counters[int(label)].update(terms)
        holders[int(label)].update(set(terms))
    vocabulary = sorted(set().union(*counters))
    column = {term: j for j, term in enumerate(vocabulary)}
    counts = _matrix(counters, column)
    frequency = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    average_words = counts.sum(axis=1).mean() if k else 0.0
    idf = np.log(1 + average_words / np.maximum(counts.sum(axis=0), 1))
    return vocabulary, frequency * idf, _matrix(holders, column)


def _stems(term: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in term.split())


def _top_terms(ranked: list[str], top_n: int) -> list[str]:
    """The first top_n terms, a bigram displacing its own unigrams, one spelling per stem."""
    chosen: list[str] = []
    for term in ranked:
        words = term.split()
        if _stems(term) in {_stems(c) for c in chosen}:
            continue
        if len(words) == 1 and any(term in c.split() for c in chosen if " " in c):
            continue
        if len(words) == 2:
            chosen = [c for c in chosen if c not in words]
        chosen.append(term)
        if len(chosen) == top_n:
            break
    return chosen[:top_n]


def distinctive_terms(texts: list[str], labels: np.ndarray, top_n: int = 4) -> list[list[str]]:
    """Per cluster, its most distinctive unigrams and bigrams by c-TF-IDF, best first."""
    labels = np.asarray(labels, dtype=int)
    vocabulary, scores, holders = c_tf_idf(texts, labels)
    sizes = np.bincount(labels, minlength=len(scores))
    # A term repeated by one poster (its acronym, its dataset) does not name a theme: such
    # terms only fill the list when too few terms are shared.
    shared = holders >= np.minimum(sizes, MIN_HOLDERS)[:, None]
    result = []
    for row, row_shared in zip(scores, shared, strict=True):
        order = [j for j in np.lexsort((np.arange(len(row)), -row, ~row_shared)) if row[j] > 0]
        # Spare candidates: a bigram may displace unigrams already chosen.
        result.append(_top_terms([vocabulary[j] for j in order[: 4 * top_n + 8]], top_n))
    return result


_TERMS_JOINED = " · "


def label_of(terms: list[str], n: int = 3) -> str:
    """A theme named by its top terms, as ingests before phrase names wrote every label."""
    return _TERMS_JOINED.join(terms[:n])


def named_by_terms(label: str) -> bool:
    """Whether a stored theme label is a bag of terms (`label_of`), not a phrase its posters
    write: a map from an older ingest."""
    return _TERMS_JOINED in label


def project_2d(vectors: np.ndarray) -> np.ndarray:
    """PCA to 2-D, each component's sign fixed by its largest loading, shape (n, 2)."""
    vectors = np.asarray(vectors, dtype=np.float64)
    coords = np.zeros((len(vectors), 2))
    if len(vectors) < 2:
        return coords
    mean = vectors.mean(axis=0)
    # The covariance's eigenvectors are the principal axes; unlike an SVD of the centred rows,
    # this makes no n-row copy (a whole conference is 100k rows).
    covariance = vectors.T @ vectors / len(vectors) - np.outer(mean, mean)
    values, axes = np.linalg.eigh(covariance)
    components = axes[:, np.argsort(-values)[:2]].T.copy()
    biggest = np.argmax(np.abs(components), axis=1)
    components *= np.sign(components[np.arange(len(components)), biggest])[:, None]
    coords[:, : len(components)] = vectors @ components.T - mean @ components.T
    return coords


def _palette(k: int) -> list:
    import matplotlib

    paired = matplotlib.colormaps["tab20"].colors
    # Strong hues first: the largest themes should not differ only by shade.
    colours = [*paired[0::2], *paired[1::2], *matplotlib.colormaps["tab20b"].colors]
    return [colours[i % len(colours)] for i in range(k)]


Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in pixels


def _meets(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def place_tags(centres: np.ndarray, sizes: np.ndarray, dots: np.ndarray, radius: float,
               frame: Box) -> list[Box]:
    """Where each theme tag's box goes (pixels): at its theme's centre, or the nearest place
    around it (rows above and below, and sideways) where it meets no tag already placed and
    covers no highlighted dot, inside the frame; where none is free, the nearest place that
    covers fewest. Tags are placed in the order given (the largest theme first)."""
    dot_boxes = [(x - radius, y - radius, x + radius, y + radius) for x, y in dots]
    placed: list[Box] = []
    for (cx, cy), (w, h) in zip(centres, sizes, strict=True):
        steps = [(dx * w, dy * h * 1.1) for dy in range(-TAG_ROWS, TAG_ROWS + 1)
                 for dx in (0, -0.5, 0.5, -1, 1)]
        steps.sort(key=lambda d: (np.hypot(d[0], d[1]), abs(d[0]), d[1], d[0]))
        best: tuple[int, Box] | None = None
        for dx, dy in steps:
            box = (cx + dx - w / 2, cy + dy - h / 2, cx + dx + w / 2, cy + dy + h / 2)
            if not (frame[0] <= box[0] and box[2] <= frame[2] and frame[1] <= box[1]
                    and box[3] <= frame[3]):
                continue
            covered = sum(_meets(box, other) for other in placed + dot_boxes)
            if best is None or covered < best[0]:
                best = (covered, box)
            if not covered:
                break
        placed.append(best[1] if best else (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2))
    return placed


TAG_ROWS = 15  # rows of places tried above and below a theme's centre


def _tag(name: str, theme: int) -> str:
    """A theme's tag on the map: its number and its name's first phrase (a name of two or
    three phrases would crowd the map; the legend has it whole)."""
    return f"{theme + 1} {(name_parts(name.split(' · ')[0]) or [''])[0]}"


TAG_PAD = 0.2  # the tag box's padding, in font sizes
TAG_SIZE = 8
HIGHLIGHT_SIZE = 120  # a highlighted dot's marker area (points squared)
HIGHLIGHT_EDGE = 1.6


def _draw_tags(ax, coords: np.ndarray, labels: np.ndarray, names: list[str],
               colours: list, highlighted: np.ndarray) -> list[tuple[str, Box]]:
    """Numbered short names near the theme centroids, each where it meets no other tag and
    covers no highlighted dot, a thin line to its centroid; returns each tag's text and box
    (pixels)."""
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    themes = [t for t in range(len(names)) if (labels == t).any()]
    centroids = np.array([coords[labels == t].mean(axis=0) for t in themes])
    texts = [_tag(names[t], t) for t in themes]
    pad = 2 * TAG_PAD * TAG_SIZE * fig.dpi / 72 + 2  # both sides, and the box's edge
    sizes = []
    for text in texts:
        probe = ax.text(0, 0, text, fontsize=TAG_SIZE)
        extent = probe.get_window_extent(renderer)
        sizes.append((extent.width + pad, extent.height + pad))
        probe.remove()
    radius = (np.sqrt(HIGHLIGHT_SIZE) / 2 + HIGHLIGHT_EDGE) * fig.dpi / 72
    frame = ax.get_window_extent(renderer)
    boxes = place_tags(ax.transData.transform(centroids), np.array(sizes),
                       ax.transData.transform(highlighted) if len(highlighted) else
                       np.empty((0, 2)), radius, (frame.x0, frame.y0, frame.x1, frame.y1))
    to_axes = ax.transAxes.inverted()
    for theme, text, centroid, box in zip(themes, texts, centroids, boxes, strict=True):
        place = to_axes.transform(((box[0] + box[2]) / 2, (box[1] + box[3]) / 2))
        ax.annotate(text, xy=centroid, xytext=place, textcoords="axes fraction",
                    fontsize=TAG_SIZE, ha="center", va="center", zorder=4,
                    bbox={"boxstyle": f"round,pad={TAG_PAD}", "fc": "white",
                          "ec": colours[theme], "alpha": 0.85},
                    arrowprops={"arrowstyle": "-", "color": "0.5", "lw": 0.6})
    return list(zip(texts, boxes, strict=True))


@dataclass
class MapLayout:
    """What `plot_map` drew where (pixels of the PNG, origin bottom left): each theme tag's
    text and box, and each highlighted dot's centre and radius."""

    tags: list[tuple[str, Box]]
    highlighted: list[tuple[float, float]]
    radius: float


def plot_map(coords: np.ndarray, labels: np.ndarray, names: list[str], path: Path,
             highlight: list[int] | None = None, title: str = "") -> MapLayout:
    """A PNG scatter of the posters coloured by theme (names[i] names theme i): highlighted
    points larger with a black edge, numbered theme tags near the centroids (never over a
    highlighted point or another tag), names in a legend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    coords, labels = np.asarray(coords, dtype=float), np.asarray(labels, dtype=int)
    colours = _palette(len(names))
    fig, ax = plt.subplots(figsize=(1400 / DPI, 1000 / DPI), dpi=DPI)
    fig.subplots_adjust(left=0.02, right=0.66, top=0.94, bottom=0.02)
    for theme, name in enumerate(names):
        members = labels == theme
        ax.scatter(coords[members, 0], coords[members, 1], s=22, color=colours[theme],
                   alpha=0.8, linewidths=0, label=f"{theme + 1}  {name} ({int(members.sum())})")
    picked = list(highlight or [])
    if picked:
        ax.scatter(coords[picked, 0], coords[picked, 1], s=HIGHLIGHT_SIZE, zorder=5,
                   c=[colours[t] for t in labels[picked]], edgecolors="black",
                   linewidths=HIGHLIGHT_EDGE)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.margins(0.05)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8.5, frameon=False,
              markerscale=1.4, handletextpad=0.3, borderaxespad=0.0)
    ax.set_title(title, fontsize=12)
    # the limits are final before tags are placed in pixels
    ax.set_xlim(ax.get_xlim())
    ax.set_ylim(ax.get_ylim())
    tags = _draw_tags(ax, coords, labels, names, colours, coords[picked])
    dots = [(float(x), float(y)) for x, y in ax.transData.transform(coords[picked])] \
        if picked else []
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return MapLayout(tags=tags, highlighted=dots,
                     radius=(np.sqrt(HIGHLIGHT_SIZE) / 2 + HIGHLIGHT_EDGE) * DPI / 72)


@dataclass
class ThemeMap:
    """The session map as stored on disk."""

    boards: list[int]
    coords: list[list[float]]
    labels: list[int]
    themes: list[dict]  # {"id", "label", "terms", "boards"}, largest theme first

    def to_dict(self) -> dict:
        return {**asdict(self), "naming": THEME_NAMING}

    @classmethod
    def from_dict(cls, data: dict) -> ThemeMap:
        return cls(boards=[_ref(b) for b in data["boards"]],
                   coords=[[float(x), float(y)] for x, y in data["coords"]],
                   labels=[int(label) for label in data["labels"]],
                   themes=[{"id": int(t["id"]), "label": str(t["label"]),
                            "terms": [str(term) for term in t["terms"]],
                            "boards": [_ref(b) for b in t["boards"]]} for t in data["themes"]])


# How themes are named; a store whose themes were named otherwise is renamed by a plain
# ingest, so the map's legend says what "what's in this session?" says. 2: a phrase its most
# typical posters write, contested phrases going to the theme that says them most. 3: a name
# that holds for the theme: said by half its posters, or its biggest sub-groups' phrases.
THEME_NAMING = 3


def named_otherwise(data: dict) -> bool:
    """Whether a stored map's themes were named by an older rule than `THEME_NAMING`."""
    return int(data.get("naming", 1)) < THEME_NAMING or any(
        named_by_terms(theme.get("label", "")) for theme in data.get("themes", []))


def _ref(value) -> int | str:
    """A poster on the map: its board, or "S3 #812" where sessions reuse the board (the
    citation ref of `assistant.citations`)."""
    return value if isinstance(value, str) else int(value)


def _by_size(labels: np.ndarray) -> np.ndarray:
    """Labels renumbered so that theme 0 is the largest (ties: first to appear)."""
    sizes = np.bincount(labels)
    order = sorted(range(len(sizes)), key=lambda c: -sizes[c])
    rank = np.empty(len(sizes), dtype=int)
    rank[order] = np.arange(len(sizes))
    return rank[labels]


def _theme_labels(vectors: np.ndarray, k_min: int, k_max: int, seed: int) -> np.ndarray:
    """k-means labels; above THEME_SAMPLE posters, the themes of a random sample, each poster
    going to the nearest theme centre (fitting all of 100k posters would take hours)."""
    if len(vectors) <= THEME_SAMPLE:
        return kmeans(vectors, choose_k(vectors, k_min, k_max, seed), seed)
    rows = np.random.default_rng(seed).choice(len(vectors), THEME_SAMPLE, replace=False)
    sample = vectors[np.sort(rows)]
    k = choose_k(sample, k_min, k_max, seed)
    centres = _unit(_cluster_sums(sample, kmeans(sample, k, seed), k))
    nearest = np.concatenate([np.argmax(vectors[at:at + 10_000] @ centres.T, axis=1)
                              for at in range(0, len(vectors), 10_000)])
    return np.unique(nearest, return_inverse=True)[1]


def build_theme_map(boards: list[int], texts: list[str], vectors: np.ndarray,
                    k_min: int = 15, k_max: int = 25, seed: int = 0) -> ThemeMap:
    """All posters clustered (k chosen in [k_min, k_max], at most n/2), labelled by their
    distinctive terms, and projected to 2-D."""
    if not boards:
        return ThemeMap(boards=[], coords=[], labels=[], themes=[])
    vectors = compact(vectors)
    # A theme of one poster is no theme: small sessions get at most n/2 themes.
    k_max = min(k_max, max(1, len(boards) // 2))
    labels = _by_size(_theme_labels(vectors, min(k_min, k_max), k_max, seed))
    terms = distinctive_terms(texts, labels)
    names = theme_names(vectors, texts, labels, terms)
    themes = [{"id": theme, "label": names[theme] or f"theme {theme + 1}",
               "terms": terms[theme],
               "boards": [b for b, label in zip(boards, labels, strict=True) if label == theme]}
              for theme in range(int(labels.max()) + 1)]
    coords = [[round(float(x), 5), round(float(y), 5)] for x, y in project_2d(vectors)]
    return ThemeMap(boards=list(boards), coords=coords, labels=[int(x) for x in labels],
                    themes=themes)


def typical_first(vectors: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Row order with each cluster's posters together, its most typical (closest to its
    centroid) first."""
    vectors, labels = _unit(vectors), np.asarray(labels, dtype=int)
    centres = _unit(_cluster_sums(vectors, labels, int(labels.max()) + 1))
    fit = np.einsum("ij,ij->i", vectors, centres[labels])
    return np.lexsort((np.arange(len(labels)), -fit, labels))


def theme_names(vectors: np.ndarray, texts: list[str], labels: np.ndarray,
                terms: list[list[str]]) -> list[str]:
    """Each theme's name as its posters say it: a noun phrase they share, its most typical
    posters above all (`phrase_names`, as `session_themes` names them), or, for a theme that
    shares none, its most distinctive term; never a bag of terms, which a reader cannot use
    ("features · feature · label")."""
    if not texts:
        return []
    order = typical_first(vectors, labels)
    names = phrase_names([texts[i] for i in order], np.asarray(labels)[order])
    return [name or (terms[t][0] if t < len(terms) and terms[t] else "")
            for t, name in enumerate(names)]


# Words that make a bigram a clause, not a name ("propose method", "results show").
_NOT_IN_NAMES = frozenset("""
propose proposed proposes show shows demonstrate demonstrates achieve achieves improve improves
introduce introduces present presents study studies existing novel new various multiple based
significantly however well results paper approach method methods different recent
via across using toward towards without within among upon along per versus like unlike
despite including especially e.g i.e etc first second third able leading given called
extensive comprehensive empirical experiment experiments effective effectiveness superior
competitive simple wide range variety key important dataset datasets benchmark benchmarks
code available publicly github https com art outperforms outperform machine
real real-world best current last still poorly made make makes provide provides depends
understood remain remains success significant gain gains decade decades although often
leads usually typically generally widely largely highly
train trains trained jointly shed sheds due challenging practical scenario scenarios general
fewer drop-in replacement ground truth insight insights finding findings promising crucial
critical essential substantial remarkable notable potential several numerous broad particular
specific certain important traditional conventional typical previous consistent suitable
enable enables allow allows require requires rely relies lack lacks obtain obtains yield
yields leverage leverages utilize utilizes employ employs address addresses tackle tackles
solve solves reduce reduces increase increases enhance enhances capture captures prove proves
establish establishes derive derives state-of-the-art sota open-source release released way
ways theoretical one two three four five six seven eight nine ten
""".split())
# Words that say how good or what kind a thing is, not what it is: no name on their own;
# the praising ones lead no name either ("accurate predictions", "unified framework").
_PRAISE = frozenset("accurate better simple unified effective good superior".split())
_QUALITIES = _PRAISE | frozenset("""
robust efficient fast faster general large small standard strong weak free high low scalable
universal optimal general-purpose
""".split())
# A name must hold for its theme: said (in any of its words' forms) in the title or abstract
# of at least this share of the theme's posters. A theme that no phrase covers so is named
# by its two biggest sub-groups ("federated learning and continual learning").
NAME_SHARE = 0.5
MIN_ADDED = 0.1  # each phrase of a two-phrase name carries this share of the theme alone
WORD_WEIGHT = 0.8  # one word names a theme less plainly than a phrase ("diffusion models")
LONGER_KEEPS = 0.8  # a longer phrase that holds the best one and scores this much of it wins
SINGLES = 10  # phrases a cluster may fall back on (and pair up) when better claims take its
SPECIFICITY = 0.5  # how much a name's fit weighs its specificity against its coverage
PART_COST = 0.6  # a name's rank falls by this for each phrase more
YIELDS = 0.9  # a contested name is left for a free one that ranks this much of it
MIN_LIFT = 2.0  # a name's posters are this much likelier in its cluster than elsewhere
NAME_JOIN = " and "
_SHORT = re.compile(r"[0-9][a-z]|[a-z][0-9]")  # "3d", "2d": short words that name things


def _nameable(word: str) -> bool:
    return bool(_WORD.fullmatch(word)) and (_kept(word) or bool(_SHORT.fullmatch(word))) \
        and word not in _NOT_IN_NAMES and not word.endswith(_ADVERB_ENDINGS)


# How an adverb ends ("simultaneously", "provably"); "anomaly" and "family" are nouns.
_ADVERB_ENDINGS = ("ally", "ously", "ively", "ately", "ently", "antly", "ingly", "edly",
                   "fully", "ssly", "bly")


def _name_candidates(text: str) -> set[str]:
    """Lower-cased bigrams and trigrams of a text that read as noun phrases: no stopword, no
    verb of an abstract's boilerplate, and said in the text exactly as shown (same words,
    one space), so a name is always a phrase of its posters."""
    found: set[str] = set()
    for clause in _CLAUSE.split(_LATEX.sub(" . ", text.lower())):
        words = clause.split()
        ok = [_nameable(w) for w in words]
        for n in (2, 3):
            for i in range(len(words) - n + 1):
                if all(ok[i:i + n]) and words[i] not in _PRAISE \
                        and not _verb_led(words[i:i + n]):
                    found.add(" ".join(words[i:i + n]))
    return found


def _title_words(title: str) -> set[str]:
    """Single words of a title that may name a theme ("attacks", "segmentation"): the field
    its posters share when no phrase covers it. Titles' only (an abstract's lone words are
    mostly how it argues: "ours", "leads"), and nouns by their look: not what a thing is like
    ("causal", "trained", "robust")."""
    # ("3d" alone is too short a topic to ask about: "3d scenes" may name a theme)
    return {w for clause in _CLAUSE.split(_LATEX.sub(" . ", title.lower()))
            for w in clause.split() if _nameable(w) and _kept(w) and w not in BOILERPLATE
            and w not in _QUALITIES and not w.endswith(_NOT_NOUN_ENDINGS)}


_NOT_NOUN_ENDINGS = ("ed", "al", "ic", "ive", "ous", "ful", "able", "ible")
TITLED_WORD = 1 / 3  # a lone word names posters whose titles say it, this share at least
FIELD_WORDS_FROM = 100  # posters a naming reads before a lone word may name a theme
WORD_SPECIFIC = 0.5  # and a theme whose posters are this share at least of those saying it


def _verb_led(gram: list[str]) -> bool:
    """A phrase led by a verb's -ing form says what a poster does, not what it is about
    ("adding fine-grained audio", "capturing long-range"); an -ing noun names a thing in two
    words ("training data", "sampling process")."""
    return len(gram[0]) > 5 and gram[0].endswith("ing") and (
        len(gram) == 3 or "-" in gram[1] or gram[1].endswith(_ADJECTIVE_ENDINGS))


_ADJECTIVE_ENDINGS = ("al", "ic", "ive", "ous", "ar", "ful", "able", "ible")


def _said_only(phrase: str, avoid: frozenset[str]) -> bool:
    """A phrase made only of the area's own words and boilerplate ("diffusion models" in a
    summary of diffusion models) names no sub-theme."""
    return all(stem(w) in avoid or w in BOILERPLATE for w in phrase.split())


def name_parts(name: str) -> list[str]:
    """The phrases a theme's name is made of: "federated learning and continual learning" is
    two (no phrase of a name holds "and", a stopword, or a comma)."""
    return [part for part in re.split(r",\s+|\s+and\s+", name) if part.strip()]


_TOKEN = re.compile(r"[a-z0-9]+")


@lru_cache(maxsize=1 << 16)
def _word_stem(word: str) -> str:
    """A word as BM25's Snowball stemmer reads it (`assistant.text.stems`), once per word."""
    found = stems(word)
    return found[0] if found else word


def _clause_words(text: str) -> list[list[str]]:
    low = text.lower() if text.isascii() else fold(text)
    return [_TOKEN.findall(clause) for clause in _CLAUSE.split(_LATEX.sub(" . ", low))]


def _phrase_stems(phrase: str) -> tuple[str, ...]:
    return tuple(_word_stem(w) for words in _clause_words(phrase) for w in words)


def _bag(text: str) -> frozenset[str]:
    return frozenset(_phrase_stems(text))


@lru_cache(maxsize=4096)
def _said_as(text: str) -> str:
    """A text as the stems of its words, clauses apart: " diffus model | ... "."""
    return " " + " | ".join(" ".join(_word_stem(w) for w in words)
                            for words in _clause_words(text)) + " "


def carries(name: str, text: str) -> bool:
    """Whether a poster's title and abstract carry a theme's name: say one of its phrases,
    in any of its words' forms ("diffusion model" carries "diffusion models")."""
    said = _said_as(text)
    return any(f" {' '.join(_phrase_stems(part))} " in said for part in name_parts(name)
               if _phrase_stems(part))


@dataclass
class _Name:
    """A name a cluster may take: its phrases, the words (stems) of each, the posters of the
    naming that carry it, those of the cluster among them, and its claim."""

    phrases: tuple[str, ...]
    keys: tuple[frozenset[str], ...]
    carriers: frozenset[int]
    held: frozenset[int]
    claim: float
    parts: tuple[float, ...] = ()  # each phrase's own claim
    tier: int = 0  # 0: it holds for its cluster, 1: the best of those that do not, 2: a
    # phrase of its most typical poster only

    @property
    def text(self) -> str:
        return NAME_JOIN.join([", ".join(self.phrases[:-1]), self.phrases[-1]]) \
            if len(self.phrases) > 1 else self.phrases[0]

    def overlaps(self, other: _Name) -> bool:
        """Names alike: a phrase's words hold another's ("graph neural networks" and "neural
        networks" would name two themes alike)."""
        return any(a <= b or b <= a for a in self.keys for b in other.keys)

    def outclaims(self, other: _Name) -> bool:
        """Whether the phrases two names contest fit this one's cluster better: "diffusion
        models" goes to the theme it names, though a broader theme says it in one of its
        three phrases ("text-to-image diffusion models")."""
        def contested(x: _Name, y: _Name) -> float:
            return max((c for k, c in zip(x.keys, x.parts, strict=True)
                        if any(k <= j or j <= k for j in y.keys)), default=0.0)

        return contested(self, other) > contested(other, self)

    @property
    def rank(self) -> float:
        """Its claim, a phrase more costing a little: one phrase that fits nearly as well
        reads better."""
        return self.claim * PART_COST ** (len(self.phrases) - 1)


class _Reader:
    """The posters of one naming, read once: their candidate phrases and which of them carry
    the words of a phrase."""

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        titles = [text.split(". ", 1)[0] for text in texts]
        # a lone word names a field of a session ("attacks", "causality"); among the few
        # dozen posters of one area, lone words are its own or everyone's ("text")
        words = len(texts) >= FIELD_WORDS_FROM
        self.titled = [_name_candidates(title) | (_title_words(title) if words else set())
                       for title in titles]
        self.title_words = [_bag(title) for title in titles]
        self.said = [_name_candidates(text) | titled
                     for text, titled in zip(texts, self.titled, strict=True)]
        self._said_as = [_said_as(text) for text in texts]
        # each text's clauses as words, as `_cut_off` reads them
        self._clauses = [[clause.split() for clause in _CLAUSE.split(
            _LATEX.sub(" . ", text.lower()))] for text in texts]
        self._posting: dict[str, set[int]] = {}
        for i, said in enumerate(self._said_as):
            for word in set(said.split()):
                self._posting.setdefault(word, set()).add(i)
        self._carriers: dict[str, frozenset[int]] = {}

    def cut_off(self, phrase: str, inside: list[int]) -> bool:
        """`_cut_off` over the clauses of these posters that hold the phrase's first word."""
        words = phrase.split()
        return _cut_off_in(words, [tokens for i in inside for tokens in self._clauses[i]
                                   if words[0] in tokens])

    def carriers(self, phrase: str) -> frozenset[int]:
        """The posters that say the phrase, in any of its words' forms."""
        words = _phrase_stems(phrase)
        key = " ".join(words)
        if key not in self._carriers:
            sets = sorted((self._posting.get(w, set()) for w in words), key=len)
            some = set.intersection(*sets) if sets else set()
            self._carriers[key] = frozenset(i for i in some if f" {key} " in self._said_as[i])
        return self._carriers[key]


def _claim(held: int, size: int, carriers: int, weight: float = 1.0) -> float:
    """How well a name fits a cluster: the share of its posters that carry it (above all: a
    name must hold for its theme) times the root of the share of the carriers that are its
    (a phrase the whole session says names no theme)."""
    return weight * held / size * (held / max(carriers, 1)) ** SPECIFICITY


def _singles(reader: _Reader, inside: list[int], avoid: frozenset[str],
             shared: bool = True) -> list[_Name]:
    """A cluster's one-phrase names, best claim first: phrases at least two of its posters
    say (one, for a poster alone), each spelled as most of them write it, a longer phrase
    preferred where it fits nearly as well ("diffusion models" over "diffusion"), a phrase
    cut from a longer name passed over ("large language" of "large language models"). Not
    `shared`: the phrases only its most typical poster says, for a theme that shares none
    (a phrase said once is often a clause: "scales logarithmically")."""
    members = frozenset(inside)
    said: Counter = Counter()
    for i in inside:
        said.update(reader.said[i])
    least = min(MIN_HOLDERS, len(inside))
    own = reader.said[inside[0]] if inside else set()
    # a title's phrase that one poster says, when others carry its words ("finite-time
    # analysis" of an actor-critic poster, which two more analyse in finite time)
    titled = {phrase for i in inside for phrase in reader.titled[i]}

    def admitted(phrase: str, count: int) -> bool:
        if not shared:
            return count < least and phrase in own
        return count >= least or (phrase in titled and len(
            reader.carriers(phrase) & members) >= least)

    spelled: dict[frozenset[str], str] = {}
    # most said first; ties as said by the most typical posters (first in `inside`)
    first = {}
    for i in inside:
        for phrase in sorted(reader.said[i]):
            first.setdefault(phrase, len(first))
    for phrase, count in sorted(said.items(), key=lambda x: (-x[1], first[x[0]])):
        key = _bag(phrase)
        if key and key not in spelled and not _said_only(phrase, avoid) \
                and admitted(phrase, count):
            spelled[key] = phrase
    scored = []
    for key, phrase in spelled.items():
        carriers = reader.carriers(phrase)
        held = carriers & members
        # a lone word most of whose posters say it only in passing, or that posters all over
        # say, is how they argue ("estimation", "convergence"), not what they are about
        if " " not in phrase and (sum(key <= reader.title_words[i] for i in held) < max(
                least, TITLED_WORD * len(held)) or len(held) < WORD_SPECIFIC * len(carriers)):
            continue
        weight = WORD_WEIGHT if " " not in phrase else 1.0
        claim = _claim(len(held), len(inside), len(carriers), weight)
        scored.append(_Name((phrase,), (key,), carriers, held, claim, (claim,)))
    # equal claims: the one more titles say (a title says what a poster is about), then the
    # shorter (a longer one that holds it wins below where it fits nearly as well)
    in_titles = Counter(phrase for i in inside for phrase in reader.titled[i])
    scored.sort(key=lambda x: (-x.claim, -in_titles[x.phrases[0]], len(x.phrases[0].split()),
                               first[x.phrases[0]]))
    chosen: list[_Name] = []
    while scored and len(chosen) < SINGLES:
        best = scored[0]
        longer = [x for x in scored if best.keys[0] < x.keys[0]
                  and x.claim >= LONGER_KEEPS * best.claim]
        pick = max(longer, key=lambda x: (x.claim, len(x.keys[0]))) if longer else best
        scored = [x for x in scored if x is not pick]
        if reader.cut_off(pick.phrases[0], inside):
            continue
        chosen.append(pick)
        # its variants go ("graph neural" of "graph neural networks"); a broader phrase
        # stays where it holds for more posters ("causality" beside "causal frameworks")
        scored = [x for x in scored if not (pick.keys[0] <= x.keys[0] or (
            x.keys[0] <= pick.keys[0] and x.held <= pick.held))]
    return chosen


def _unions(singles: list[_Name], size: int) -> list[_Name]:
    """Names of two phrases, and of three where two hold for less than NAME_SHARE of the
    cluster: each phrase carried alone by at least MIN_ADDED of it (sub-groups, not one
    group said twice), the one more posters carry first; best claim first."""
    least = max(1, round(MIN_ADDED * size))

    def joined(parts: tuple[_Name, ...]) -> _Name:
        parts = tuple(sorted(parts, key=lambda x: -len(x.held)))
        carriers = frozenset().union(*(x.carriers for x in parts))
        held = frozenset().union(*(x.held for x in parts))
        return _Name(tuple(p for x in parts for p in x.phrases),
                     tuple(k for x in parts for k in x.keys), carriers, held,
                     _claim(len(held), size, len(carriers)),
                     tuple(c for x in parts for c in x.parts))

    def alone(part: _Name, others: tuple[_Name, ...]) -> int:
        return len(part.held - frozenset().union(*(x.held for x in others)))

    pairs = [joined((a, b)) for i, a in enumerate(singles) for b in singles[i + 1:]
             if not a.overlaps(b) and alone(a, (b,)) >= least and alone(b, (a,)) >= least]
    pairs.sort(key=lambda x: -x.claim)
    triples = []
    for pair in pairs[:SINGLES]:
        if len(pair.held) >= NAME_SHARE * size:
            continue
        parts = [x for x in singles if x.phrases[0] in pair.phrases]
        for third in singles:
            if third in parts or any(third.overlaps(x) for x in parts):
                continue
            group = (*parts, third)
            if all(alone(x, tuple(y for y in group if y is not x)) >= least for x in group):
                triples.append(joined(group))
    unique = {x.phrases: x for x in sorted(triples, key=lambda x: -x.claim)}
    return pairs + sorted(unique.values(), key=lambda x: -x.claim)


def _choices(reader: _Reader, inside: list[int], avoid: frozenset[str]) -> list[_Name]:
    """A cluster's names, best first: one phrase that holds for NAME_SHARE of its posters,
    else two (its two biggest sub-groups), else three that do together; failing all, the
    best claims. A name the rest of the session says nearly as often (less than MIN_LIFT
    times its rate elsewhere) does not hold for the cluster in particular."""
    size = len(inside)
    singles = _singles(reader, inside, avoid)
    unions = _unions(singles, size)
    others = max(1, len(reader.texts) - size)

    def holds(x: _Name) -> bool:
        elsewhere = (len(x.carriers) - len(x.held)) / others
        return len(x.held) >= NAME_SHARE * size and (
            len(reader.texts) == size or len(x.held) / size >= MIN_LIFT * elsewhere)

    held = sorted((x for x in singles + unions if holds(x)), key=lambda x: -x.rank)
    # where none holds, the name that holds for most, by its claim (no cost for a phrase
    # more: a mixed theme is better called by its biggest sub-groups than by one of them)
    rest = sorted((x for x in singles + unions if not holds(x)), key=lambda x: -x.claim)
    own = _singles(reader, inside, avoid, shared=False)
    for tier, names in enumerate((held, rest, own)):
        for name in names:
            name.tier = tier
    return held + rest + own


def phrase_names(texts: list[str], labels: np.ndarray, avoid: frozenset[str] = frozenset()
                 ) -> list[str]:
    """Per cluster, a name that holds for it: a phrase (1-3 words from its posters' titles
    or abstracts) that at least NAME_SHARE of its posters say and the other posters seldom
    do, or, when no phrase covers so much of it, two (or three) phrases that do together,
    its biggest sub-groups ("federated learning and continual learning"); failing that, the
    name that holds for most of it. Each cluster a different name (`_choices`). `texts`
    come most typical first within each cluster: its most typical posters' spelling of a
    phrase, and their phrase among equals, is the one taken; otherwise every poster counts
    alike, so that a name holds for the theme, not for its centre.
    `avoid` holds stems (the area's own words) that a name needs more than.

    Two clusters that want one name (or names whose words hold one another: "graph neural"
    and "graph neural networks") leave it to the stronger claim, and the other takes its
    next choice. '' for a cluster with no name left."""
    labels = np.asarray(labels, dtype=int)
    k = int(labels.max()) + 1 if len(labels) else 0
    reader = _Reader(texts)
    choices = [_choices(reader, [i for i in range(len(texts)) if labels[i] == cluster], avoid)
               for cluster in range(k)]
    at = [0] * k  # each cluster's current choice
    waiting = sorted(range(k), key=lambda c: -int((labels == c).sum()))
    holding: dict[int, _Name] = {}
    while waiting:
        cluster = waiting.pop(0)
        while at[cluster] < len(choices[cluster]):
            name = choices[cluster][at[cluster]]
            rivals = [c for c, other in holding.items() if name.overlaps(other)]
            # a name as good that no one holds is taken before a contest: "scaling laws"
            # for posters on scaling laws of large language models, when another theme is
            # named "language models"
            free = next((i for i, x in enumerate(choices[cluster][at[cluster] + 1:],
                                                 at[cluster] + 1)
                         if x.tier == name.tier and x.rank >= YIELDS * name.rank
                         and not any(x.overlaps(other) for other in holding.values())),
                        None) if rivals else None
            if free is not None:
                at[cluster] = free
                holding[cluster] = choices[cluster][free]
                break
            if all(name.outclaims(holding[c]) for c in rivals):
                for c in rivals:  # displaced: it goes on to its next choice
                    del holding[c]
                    at[c] += 1
                    waiting.append(c)
                holding[cluster] = name
                break
            at[cluster] += 1
    return [holding[c].text if c in holding else "" for c in range(k)]


def described_first(members: list, texts: list[str], name: str) -> list:
    """A theme's posters (most typical first) with those that carry its name before the
    rest, each part in its order: the posters shown for a theme are ones its name
    describes."""
    says = [carries(name, text) for text in texts]
    return [m for m, s in zip(members, says, strict=True) if s] + \
        [m for m, s in zip(members, says, strict=True) if not s]


CUT_OFF_SHARE = 0.8  # a phrase this often continued by the same word is a part of a name


def _cut_off(phrase: str, texts: list[str]) -> bool:
    """Whether the phrase nearly always goes on with the same word, before or after it
    ("large language" with "models", "neural networks explainer" after "graph"): then it is
    a piece of a longer name, not a name. Read over its uses, at least two."""
    return _cut_off_in(phrase.split(), [
        clause.split() for text in texts
        for clause in _CLAUSE.split(_LATEX.sub(" . ", text.lower()))])


def _cut_off_in(words: list[str], clauses: list[list[str]]) -> bool:
    """`_cut_off` over clauses split into words."""
    around: Counter = Counter()
    uses = continued = 0
    for tokens in clauses:
        for i in range(len(tokens) - len(words) + 1):
            if tokens[i:i + len(words)] != words:
                continue
            uses += 1
            # a short word before it may still begin the name ("de novo drug design")
            if i > 0 and _WORD.fullmatch(tokens[i - 1]) and tokens[i - 1] not in STOPWORDS \
                    and not tokens[i - 1].isdigit():
                around[("before", stem(tokens[i - 1]))] += 1
            if i + len(words) < len(tokens) and _kept(tokens[i + len(words)]):
                around[("after", stem(tokens[i + len(words)]))] += 1
                continued += 1
    if uses == 1:  # said once: a name ends where the phrase does ("online reinforcement"
        # goes on with "learning")
        return any(side == "after" for side, _ in around)
    # Always going on with some word, whichever, it qualifies the names of its posters'
    # things ("domain adaptive" semantic segmentation, image retrieval) and names none.
    return uses >= 2 and (max(around.values(), default=0) >= CUT_OFF_SHARE * uses
                          or continued == uses)
