"""Synthetic libraries of realistic size and shape, built once through the real import path.

A generated paper looks like a Hugging Face daily paper: a title of 5-15 words and an abstract
of ~1.6 KB drawn from a Zipf-weighted research vocabulary (a few words accented or Greek),
1-10 authors, an arXiv id, upvotes, usually an AI summary and keywords, sometimes a GitHub
link. About 100 papers are featured per day (so 1k papers span 10 days and 100k span 1000),
5% of them on two days. The user state is spread like a year of use: the two newest days are
untriaged, older papers are mostly skipped or read; 20% have notes and 15% tags.

Everything is derived from a seed, so the same size gives the same library. Libraries are
built with `Library.import_papers` and `Library.restore` (the code the app uses) into a cache
folder keyed by size, seed and a hash of the storage code, so a rerun reuses them and a change
of the on-disk format builds them again.
"""

from __future__ import annotations

import functools
import hashlib
import random
import shutil
import string
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import orjson

from reader.library import Library
from reader.models import Paper, Status, UserState, title_id

GENERATOR_VERSION = 2
"""Bump when the generated data changes, so cached libraries are rebuilt."""
IMPORT_VERSION = 2
"""Bump when the API import file changes shape (2: `submittedOnDailyAt` inside `paper`)."""

NEWEST_DAY = date(2025, 11, 21)
PAPERS_PER_DAY = 100
ABSTRACT_CHARS = 1600


def _split(text: str) -> list[str]:
    return text.split()


# Ordered roughly by frequency in ML paper titles and abstracts: rank drives a Zipf weight.
_WORDS = _split("""
the of and a to in for we with on that is by our from as are this an model models learning
language large based data which be can training performance using these results show such
its or methods method task tasks approach it their neural network networks deep new not both
across than existing propose however via while more high framework generation reasoning
evaluation benchmark vision multimodal diffusion transformer transformers agents agent policy
reinforcement fine tuning instruction alignment preference optimization inference memory
efficient scaling robust robustness video image images retrieval graph attention text
generative pretrained foundation prompt prompting context long short token tokens embedding
embeddings representation representations latent space sampling decoding encoder decoder
architecture layers layer parameters parameter compute efficiency accuracy quality human
feedback reward rewards safety adversarial attack attacks defense privacy federated
distillation knowledge compression quantization pruning sparse mixture experts routing
speech audio music 3d scene point cloud depth segmentation detection tracking pose motion
robot robotic manipulation navigation planning control world simulation physics molecular
protein chemistry medical clinical biomedical health code programming software mathematical
math theorem proving logic symbolic chain thought step steps search tree verifier verification
self supervised unsupervised semi contrastive masked autoregressive discrete continuous
flow matching score energy bayesian uncertainty calibration causal causality counterfactual
interpretability explainability mechanistic probing circuits neurons features sparse
autoencoders steering editing unlearning hallucination factuality grounding citation
retrieval augmented rag tool use function calling api web browsing gui interface user users
dialogue conversation chat assistant multilingual translation low resource cross lingual
summarization question answering qa reading comprehension open domain zero few shot
in context meta continual lifelong transfer domain adaptation generalization distribution
shift out ood data augmentation synthetic curation filtering dataset datasets corpus
benchmarks leaderboard metrics metric evaluate evaluating evaluated empirical theoretical
analysis study studies survey towards toward beyond through into under over without within
between among during via novel simple effective efficient scalable unified general versatile
lightweight fast faster accurate stable consistent controllable interactive dynamic adaptive
hierarchical recursive iterative progressive hybrid joint end test time compute budget
trade off state art sota outperforms outperform achieves achieve improves improve improvement
significant significantly substantially consistently competitive strong baseline baselines
experiments experimental demonstrate demonstrates extensive comprehensive various diverse
different specific particular multiple single several many key critical important challenging
challenge challenges problem problems limitation limitations issue issues gap gaps
""")

_RARE = _split("""
μ-parametrization α-blending Lévy Schrödinger Gödel Erdős naïve façade café Müller
crème Zürich Poincaré Riemannian Wasserstein Kullback Leibler Hessian Jacobian eigen
""")

_TAGS = _split("""
rl llm vision agents robotics theory eval safety rag diffusion speech code math survey
reproduce read-later lab-meeting baseline dataset efficient alignment multimodal 3d
""")

_FIRST = _split("""
Wei Li Jian Ming Yu Xin Hao Jun Yan Lei Anna Maria José Zoë Lukas Sören Björn Amélie
Olga Ivan Priya Arjun Ananya Rahul Fatima Omar Yusuf Aisha Kenji Yuki Haruto Sakura Min-jun
Ji-woo Seo-yeon David Sarah Michael Emily James Laura Daniel Julia Thomas Sofia Pierre Élodie
""")

_LAST = _split("""
Wang Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin Gao Luo Zheng
Smith Johnson Williams Brown Jones Garcia Miller Davis Müller Schmidt Schneider Fischer
Dubois Lefèvre Rossi Russo Ferrari Nakamura Tanaka Suzuki Kim Lee Park Choi Singh Patel
Kumar Sharma Gupta Nguyen Tran Ivanov Petrov Kowalski Nowak Andersson Johansson Øster
""")


_ASCII_FIRST = [name for name in _FIRST if name.isascii()]
_ACCENTED_FIRST = [name for name in _FIRST if not name.isascii()]
_ASCII_LAST = [name for name in _LAST if name.isascii()]


def _author(rng: random.Random) -> str:
    """A name; 3% of them accented, so that ~15% of papers have an accented author."""
    if rng.random() < 0.03:
        return f"{rng.choice(_ACCENTED_FIRST)} {rng.choice(_LAST)}"
    return f"{rng.choice(_ASCII_FIRST)} {rng.choice(_ASCII_LAST)}"


@functools.cache
def vocabulary() -> tuple[list[str], list[float]]:
    """Words and cumulative Zipf weights: real research words first, then a long tail (the same
    every time: made once per process)."""
    rng = random.Random(1)
    words = list(dict.fromkeys(_WORDS))
    seen = set(words) | set(_RARE)
    while len(words) < 30_000:
        if len(words) == 3_000:
            words += _RARE  # rare enough that ~5% of abstracts have a non-ASCII word
        # The long tail: pronounceable made-up terms (names of methods, datasets, models).
        word = "".join(
            rng.choice("bcdfghklmnprstvz") + rng.choice("aeiou") for _ in range(rng.randint(2, 5))
        ) + rng.choice(["", "", "er", "ing", "ion", "net", "former", "bench", "gpt"])
        if word not in seen:
            seen.add(word)
            words.append(word)
    cumulative: list[float] = []
    total = 0.0
    for rank in range(len(words)):
        total += 1.0 / (rank + 8) ** 1.3
        cumulative.append(total)
    return words, cumulative


def days_for(count: int) -> list[str]:
    """The featured days (weekdays, oldest first), about `PAPERS_PER_DAY` papers each."""
    wanted = max(5, count // PAPERS_PER_DAY)
    days: list[str] = []
    day = NEWEST_DAY
    while len(days) < wanted:
        if day.weekday() < 5:
            days.append(day.isoformat())
        day -= timedelta(days=1)
    return days[::-1]


def papers(count: int, seed: int, *, id_offset: int = 0) -> Iterator[Paper]:
    """`count` synthetic papers, deterministic for a seed."""
    rng = random.Random(seed)
    words, cumulative = vocabulary()
    days = days_for(count)
    per_month: dict[str, int] = {}
    for _ in range(count):
        day_index = rng.randrange(len(days))
        featured = [days[day_index]]
        if rng.random() < 0.05 and day_index + 1 < len(days):
            featured.append(days[day_index + 1])
        month = featured[0][2:4] + featured[0][5:7]
        number = per_month.get(month, 0) + 1 + id_offset
        per_month[month] = number - id_offset
        arxiv = f"{month}.{number:05d}"
        title_words = rng.choices(words, cum_weights=cumulative, k=rng.randint(5, 15))
        title = " ".join(title_words)
        title = title[0].upper() + title[1:]
        if rng.random() < 0.3:
            head = "".join(rng.choice(string.ascii_uppercase) for _ in range(rng.randint(2, 5)))
            title = f"{head}: {title}"
        body = rng.choices(words, cum_weights=cumulative, k=300)
        abstract = " ".join(body)[:ABSTRACT_CHARS].rsplit(" ", 1)[0].capitalize() + "."
        authors = [_author(rng) for _ in range(rng.randint(1, 10))]
        has_ai = rng.random() < 0.8
        known = rng.random() < 0.97  # a few papers have no arXiv id: their id is a title hash
        yield Paper(
            id=arxiv if known else title_id(title),
            title=title,
            abstract=abstract,
            authors=authors,
            arxiv_id=arxiv if known else None,
            published=featured[0],
            days=featured,
            upvotes=int(rng.paretovariate(1.2)) - 1 if rng.random() < 0.9 else None,
            ai_summary=" ".join(rng.choices(words, cum_weights=cumulative, k=25)).capitalize() + "."
            if has_ai
            else None,
            ai_keywords=rng.choices(words[40:400], k=rng.randint(3, 6)) if has_ai else [],
            github_url=f"https://github.com/{rng.choice(_LAST).lower()}/{title_words[0].lower()}"
            if rng.random() < 0.3
            else None,
        )


def states(library: Library, seed: int) -> dict[str, UserState]:
    """A year of triage: newest two days untriaged, older papers mostly decided; notes, tags."""
    rng = random.Random(seed + 1)
    words, cumulative = vocabulary()
    newest = set(library.days()[-2:])
    result: dict[str, UserState] = {}
    statuses = [Status.INBOX, Status.SKIPPED, Status.TO_READ, Status.READING, Status.DONE]
    weights = [10, 50, 20, 5, 15]
    for pid in library.ids():
        paper = library.paper(pid)
        fresh = newest.intersection(paper.days)
        status = Status.INBOX if fresh and rng.random() < 0.9 else rng.choices(statuses, weights)[0]
        state = UserState(status=status)
        stamp = f"{paper.days[-1]}T{rng.randrange(8, 20):02d}:{rng.randrange(60):02d}:00Z"
        if status is not Status.INBOX:
            state.triaged_at = state.updated_at = stamp
        if status in (Status.READING, Status.DONE):
            state.started_at = stamp
        if status is Status.DONE:
            state.finished_at = stamp
        if rng.random() < 0.2:
            state.notes = " ".join(rng.choices(words, cum_weights=cumulative, k=rng.randint(15, 150)))
            state.updated_at = stamp
        if rng.random() < 0.15:
            state.tags = sorted(set(rng.choices(_TAGS, k=rng.randint(1, 3))))
        if not state.is_default():
            result[pid] = state
    return result


def _code_hash() -> str:
    """A hash of the code that decides the on-disk format (a change means a rebuild)."""
    import reader.library
    import reader.models
    import reader.store

    digest = hashlib.sha256(f"{GENERATOR_VERSION}".encode())
    for module in (reader.store, reader.models, reader.library):
        digest.update(Path(str(module.__file__)).read_bytes())
    return digest.hexdigest()[:12]


def library_path(cache: Path, count: int, seed: int) -> Path:
    """Where the cached library of `count` papers lives (built if missing)."""
    path = cache / f"lib-{count}-s{seed}-{_code_hash()}"
    if not (path / ".complete").exists():
        build(path, count, seed)
    return path


def build(path: Path, count: int, seed: int) -> None:
    """Build a library of `count` papers at `path` through the Library API."""
    if path.exists():
        shutil.rmtree(path)
    partial = path.with_name(path.name + ".partial")
    if partial.exists():
        shutil.rmtree(partial)
    with Library.open(partial) as library:
        library.import_papers(list(papers(count, seed)))
        library.restore(states(library, seed))
    shutil.rmtree(partial / "backups", ignore_errors=True)
    partial.rename(path)
    (path / ".complete").write_text("ok\n")
    for old in path.parent.glob(f"lib-{count}-s{seed}-*"):
        if old != path and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)  # built by older code: never used again


def copy_library(source: Path, target: Path) -> Path:
    """A private, writable copy of a cached library (real copies: the cache is never written)."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".lock", ".complete"))
    return target


def import_file(cache: Path, count: int, seed: int) -> Path:
    """A Hugging Face API JSON file of `count` new papers (ids no cached library has)."""
    path = cache / f"import-{count}-s{seed}-v{GENERATOR_VERSION}.{IMPORT_VERSION}.json"
    if path.exists():
        return path
    items = []
    for paper in papers(count, seed + 1000, id_offset=90_000):
        items.append(
            {
                "paper": {
                    "id": paper.arxiv_id or paper.id,
                    "title": paper.title,
                    "summary": paper.abstract,
                    "authors": [{"name": name} for name in paper.authors],
                    "publishedAt": f"{paper.published}T00:00:00.000Z",
                    "upvotes": paper.upvotes,
                    "ai_summary": paper.ai_summary,
                    "ai_keywords": paper.ai_keywords,
                    "githubRepo": paper.github_url,
                    # where the real API has it: the papers land on their own days (and shards)
                    "submittedOnDailyAt": f"{paper.days[0]}T08:00:00.000Z",
                },
                "title": paper.title,
                "numComments": 0,
            }
        )
    cache.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(orjson.dumps(items))
    tmp.rename(path)
    return path
