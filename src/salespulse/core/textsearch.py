"""Chinese-aware text similarity from character bigrams, for search and recommendations.

Chinese has no spaces between words, so whitespace tokens would treat a whole sentence
as one word. Runs of CJK characters become overlapping character bigrams (a lone CJK
character stays a unigram), and runs of Latin letters or digits become lower-cased
words, so "LIS系统不兼容" yields ``lis``, ``系统``, ``统不``, ``不兼``, ``兼容``.

Documents are ranked in memory with TF-IDF-weighted cosine similarity. A segmenter such
as jieba would add word boundaries, but bigrams need no dictionary and match unseen
product names and abbreviations equally well.

Bigrams cannot tell that 对接, 接口 and 兼容, or 太贵 and 价格高, mean the same thing.
With ``concepts=True``, a text also gets one token per domain term it mentions (see
``DOMAIN_CONCEPTS``), weighted ``CONCEPT_WEIGHT`` times, so such synonyms match.
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
import unicodedata
from collections import Counter, OrderedDict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

# CJK Unified Ideographs with extension A and the compatibility block.
_CJK_RUN = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+"
_TOKEN_RUN = re.compile(rf"({_CJK_RUN})|([0-9a-z]+)")


def normalize(text: str) -> str:
    """Return ``text`` NFKC-normalised and lower-cased, so full-width ＬＩＳ matches lis."""
    return unicodedata.normalize("NFKC", text or "").lower()


@dataclass(frozen=True)
class Concept:
    """A domain term that customers and reps write in several ways.

    ``token`` starts with ``=``, which ``tokenize`` never produces from text, so a concept
    token matches only another concept token. ``ignore`` lists phrases that contain a
    variant in another sense (贵院 "your hospital" contains 贵 "expensive"); they are
    removed before the variants are looked up.
    """

    token: str
    variants: tuple[str, ...]
    ignore: tuple[str, ...] = ()


# 贵 in the sense of "your" or "precious", not "expensive".
_NOT_EXPENSIVE = ("贵院", "贵科", "贵司", "贵单位", "贵方", "宝贵", "珍贵", "贵宾")

_PRICE_HIGH = ("贵", "价格高", "价格偏高", "价位高", "报价高")
_DISCOUNT = (
    "降价",
    "降一点",
    "降点",
    "再降",
    "折扣",
    "打折",
    "打个折",
    "优惠",
    "便宜点",
    "便宜一点",
    "便宜些",
    "让利",
    "返点",
)

_TENDER = ("招标", "投标", "招投标", "标书", "开标", "挂网", "集采", "带量采购", "政府采购", "阳光采购", "采购平台")

# IVD and medical-device makers, in Chinese and as written in Latin letters (normalised
# to lower case). A Latin name matches inside a longer word too, so only names of four or
# more letters are listed.
_COMPETITOR_BRANDS = (
    "罗氏",
    "雅培",
    "西门子",
    "贝克曼",
    "希森美康",
    "奥森多",
    "强生",
    "碧迪",
    "生物梅里埃",
    "梅里埃",
    "伯乐",
    "迈瑞",
    "安图",
    "新产业",
    "迈克生物",
    "迪瑞",
    "优利特",
    "科华",
    "亚辉龙",
    "九强",
    "mindray",
    "roche",
    "abbott",
    "siemens",
    "beckman",
    "sysmex",
    "biomerieux",
)

# Terms of medical-device and IVD distribution, matched on normalised (NFKC, lower-case)
# text. Keep variants specific: a variant that is also an everyday word adds noise.
DOMAIN_CONCEPTS: tuple[Concept, ...] = (
    Concept("=lis", ("lis", "检验信息系统", "实验室信息系统", "检验科信息系统", "检验科系统", "检验系统")),
    Concept("=his", ("his", "医院信息系统")),
    Concept("=pacs", ("pacs", "影像系统", "影像归档")),
    Concept(
        "=interface",
        (
            "对接",
            "接口",
            "兼容",
            "联网",
            "互联",
            "互通",
            "打通",
            "连不上",
            "接不上",
            "传数据",
            "数据传输",
            "双向通讯",
            "通讯协议",
            "联机",
            "连上",
            "连接",
            "传不过",
            "传不了",
            "通信",
            "hl7",
            "astm",
        ),
    ),
    Concept(
        "=price",
        ("价格", "报价", "价钱", "价位", "单价", "便宜", "砍价", "性价比", *_PRICE_HIGH, *_DISCOUNT),
        ignore=_NOT_EXPENSIVE,
    ),
    # Two kinds of price objection under =price: "too expensive" and "give us a discount".
    # A short complaint such as 太贵 shares only =price with both kinds of track; the finer
    # concept ranks the matching kind first.
    Concept("=price_high", _PRICE_HIGH, ignore=_NOT_EXPENSIVE),
    Concept("=discount", _DISCOUNT),
    Concept("=budget", ("预算", "经费", "资金", "没钱", "拨款", "批款", "财政")),
    Concept("=payment", ("账期", "回款", "付款", "结算", "压款", "垫资")),
    Concept(
        "=competitor",
        (
            "竞品",
            "友商",
            "别家",
            "其他品牌",
            "别的品牌",
            "同类产品",
            "进口",
            "国产",
            "用惯",
            "习惯用",
            "原来的供应商",
            # Customers often name the maker rather than saying 竞品 or 别家.
            *_COMPETITOR_BRANDS,
        ),
    ),
    # Reluctance to switch from the incumbent: the habit and the cost of changing.
    Concept(
        "=switch",
        (
            "用惯",
            "习惯用",
            "一直用",
            "用了多年",
            "用了很多年",
            "用了好多年",
            "用了这么多年",
            "用了几年",
            "用了十年",
            "要换",
            "换成",
            "换掉",
            "换你们",
            "换品牌",
            "换厂家",
            "换设备",
            "替换",
            "更换品牌",
            "用得好好的",
            "用得挺好",
            "用着挺好",
            "用得很好",
        ),
    ),
    Concept(
        "=service",
        ("售后", "维修", "维保", "保修", "报修", "没人修", "找人修", "坏了", "上门", "工程师", "响应时间", "备件"),
    ),
    Concept("=approval", ("审批", "采购流程", "院办", "设备科", "上会", "论证", "备案", *_TENDER)),
    # Public procurement, a kind of approval with its own talk tracks.
    Concept("=tender", _TENDER),
)


# The first character of every concept token; ``tokenize`` never produces it from text.
CONCEPT_PREFIX = "="

# How many times a concept token counts in a text. A curated domain term is a stronger
# sign of a text's subject than any one character bigram. With weight 1, a PACS question
# sharing 现有, 系统 and 兼容 outranked a LIS one for "设备和现有LIS系统不兼容".
CONCEPT_WEIGHT = 3


def concept_tokens(text: str) -> list[str]:
    """Return the ``DOMAIN_CONCEPTS`` tokens whose variants occur in ``text``."""
    return _concept_tokens(normalize(text))


def _concept_tokens(normalized: str) -> list[str]:
    found: list[str] = []
    for concept in DOMAIN_CONCEPTS:
        scanned = normalized
        for phrase in concept.ignore:
            scanned = scanned.replace(phrase, " ")
        if any(variant in scanned for variant in concept.variants):
            found.append(concept.token)
    return found


def tokenize(text: str, *, concepts: bool = False) -> list[str]:
    """Split ``text`` into character bigrams (CJK runs) and words (Latin letters, digits).

    With ``concepts``, the tokens of the domain terms found in ``text`` are appended, so
    对接 in a query matches 兼容 or 接口 in a document.
    """
    normalized = normalize(text)
    tokens: list[str] = []
    for match in _TOKEN_RUN.finditer(normalized):
        cjk, word = match.groups()
        if word:
            tokens.append(word)
        elif len(cjk) == 1:
            tokens.append(cjk)
        else:
            tokens.extend(cjk[index : index + 2] for index in range(len(cjk) - 1))
    if concepts:
        tokens.extend(_concept_tokens(normalized) * CONCEPT_WEIGHT)
    return tokens


@dataclass(frozen=True)
class Match:
    """One ranked document: ``coverage`` is the share of distinct query tokens it contains,
    ``similarity`` the TF-IDF cosine between query and document (both 0–1)."""

    key: Hashable
    coverage: float
    similarity: float


class TextIndex:
    """An in-memory index over ``(key, text)`` pairs.

    Suits the few thousand documents of one workspace's cases or talk tracks. An index
    is immutable once built, so a caller may keep it while its corpus is unchanged
    (``knowledge.ranking`` does). With ``concepts``, documents and queries also carry the
    ``DOMAIN_CONCEPTS`` tokens, so synonyms of a domain term match each other.
    """

    def __init__(self, documents: Iterable[tuple[Hashable, str]], *, concepts: bool = False) -> None:
        self._concepts = concepts
        self._vectors: dict[Hashable, Counter[str]] = {}
        document_frequency: Counter[str] = Counter()
        for key, text in documents:
            counts = Counter(tokenize(text, concepts=concepts))
            self._vectors[key] = counts
            document_frequency.update(counts.keys())
        total = len(self._vectors)
        # Smoothed IDF: a token found in every document still weighs a little.
        self._idf = {
            token: math.log((1 + total) / (1 + frequency)) + 1.0 for token, frequency in document_frequency.items()
        }
        # A search visits only the documents that share a token with the query, and keeps
        # their weights and norms for the next search on the same index.
        self._position = {key: position for position, key in enumerate(self._vectors)}
        self._postings: dict[str, list[Hashable]] = {}
        for key, counts in self._vectors.items():
            for token in counts:
                self._postings.setdefault(token, []).append(key)
        self._document_weights: dict[Hashable, tuple[dict[str, float], float]] = {}

    def _document(self, key: Hashable) -> tuple[dict[str, float], float]:
        """Return the TF-IDF weights and norm of one document, computed on first use."""
        cached = self._document_weights.get(key)
        if cached is None:
            weights = self._weights(self._vectors[key])
            cached = (weights, math.sqrt(sum(weight * weight for weight in weights.values())))
            self._document_weights[key] = cached
        return cached

    def _weights(self, counts: Counter[str]) -> dict[str, float]:
        return {token: count * self._idf.get(token, 1.0) for token, count in counts.items()}

    def search(self, query: str, *, min_coverage: float = 0.5, limit: int | None = None) -> list[Match]:
        """Return documents containing at least ``min_coverage`` of the query's distinct tokens,
        best first by coverage, then similarity. The query's concept tokens count as one
        token for coverage. An empty query matches nothing."""
        query_counts = Counter(tokenize(query, concepts=self._concepts))
        if not query_counts:
            return []
        query_weights = self._weights(query_counts)
        query_norm = math.sqrt(sum(weight * weight for weight in query_weights.values()))

        candidates: set[Hashable] = set()
        for token in query_counts:
            candidates.update(self._postings.get(token, ()))

        # For coverage, the query's concept tokens count as one unit, met by any of them:
        # a query's finer concepts (=price_high) must not make a document that shares only
        # the broad one (=price) fall below ``min_coverage``.
        plain_tokens = [token for token in query_counts if not token.startswith(CONCEPT_PREFIX)]
        has_concepts = len(plain_tokens) < len(query_counts)
        units = len(plain_tokens) + (1 if has_concepts else 0)

        matches: list[Match] = []
        for key in sorted(candidates, key=self._position.__getitem__):
            counts = self._vectors[key]
            shared = [token for token in query_counts if token in counts]
            shared_plain = sum(1 for token in plain_tokens if token in counts)
            shares_concept = len(shared) > shared_plain
            coverage = (shared_plain + (1 if shares_concept else 0)) / units
            if coverage < min_coverage:
                continue
            weights, norm = self._document(key)
            dot = sum(query_weights[token] * weights[token] for token in shared)
            matches.append(Match(key=key, coverage=coverage, similarity=dot / (query_norm * norm)))

        matches.sort(key=lambda match: (-match.coverage, -match.similarity))
        return matches[:limit] if limit is not None else matches


def similarity(first: str, second: str) -> float:
    """Return the plain (unweighted) cosine similarity of two texts' bigram counts, 0–1."""
    left, right = Counter(tokenize(first)), Counter(tokenize(second))
    dot = sum(count * right[token] for token, count in left.items())
    if not dot:
        return 0.0
    norm = math.sqrt(sum(v * v for v in left.values())) * math.sqrt(sum(v * v for v in right.values()))
    return dot / norm


_CACHE_SIZE = 8
_cache: OrderedDict[tuple[str, bool, str], TextIndex] = OrderedDict()
_cache_lock = threading.Lock()


def cached_index(name: str, documents: Sequence[tuple[Hashable, str]], *, concepts: bool = True) -> TextIndex:
    """Return a ``TextIndex`` over ``documents``, built once per distinct corpus.

    The key is a hash of every key and text, so an edited, added or deleted document
    gives a new index. The last ``_CACHE_SIZE`` indexes stay in this process's memory.
    """
    digest = hashlib.sha1(usedforsecurity=False)
    for key, text in documents:
        digest.update(f"{key}\x1f{text}\x1e".encode())
    cache_key = (name, concepts, digest.hexdigest())

    with _cache_lock:
        index = _cache.get(cache_key)
        if index is not None:
            _cache.move_to_end(cache_key)
            return index

    index = TextIndex(documents, concepts=concepts)
    with _cache_lock:
        _cache[cache_key] = index
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return index
