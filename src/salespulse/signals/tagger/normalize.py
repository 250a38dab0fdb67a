"""Text normalisation for the tagger, with a map back to the original offsets.

Customers type fast: full-width letters, traditional characters, English words inside
Chinese sentences, whole phrases in pinyin ("yusuan hai mei pi"), and homophone typos
from the pinyin input method (预酸 for 预算). The rules are written against canonical Chinese, so this module
rewrites those forms into it and keeps, for every character of the normalised text, the
offset of the original character it came from. Evidence spans are always reported in
original offsets.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from pypinyin import lazy_pinyin
from pypinyin.pinyin_dict import pinyin_dict

# Full-width ASCII (U+FF01..U+FF5E) to ASCII, ideographic space to space. Chinese
# punctuation (，。？) is kept: the clause splitter reads it.
_WIDTH_TABLE = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_WIDTH_TABLE[0x3000] = 0x20
for _keep in "，。？！；：（）":
    _WIDTH_TABLE.pop(ord(_keep), None)


def _traditional_table() -> dict[int, int]:
    """Traditional to simplified characters, one for one so offsets stay put, from
    OpenCC's character table. A character that is also written in simplified text
    (乾, 於) is left alone."""
    table = {}
    source = resources.files("opencc").joinpath("dictionary", "TSCharacters.txt").read_text("utf-8")
    for line in source.splitlines():
        traditional, _, candidates = line.partition("\t")
        choices = candidates.split()
        if len(traditional) == 1 and choices and traditional not in choices and len(choices[0]) == 1:
            table[ord(traditional)] = ord(choices[0])
    return table


_TRADITIONAL_TABLE = _traditional_table()
_WIDTH_TABLE.update(_TRADITIONAL_TABLE)


def to_simplified(text: str) -> str:
    """Return ``text`` with traditional characters simplified, offsets unchanged."""
    return text.translate(_TRADITIONAL_TABLE)

# English words and phrases used inside Chinese messages, mapped to the Chinese the rules
# read. Longer phrases first so "lead time" wins over "time".
ENGLISH_PHRASES: dict[str, str] = {
    "is ok": "没问题",
    "is fine": "没问题",
    "no problem": "没问题",
    "not approved": "没批",
    "not yet approved": "还没批",
    "approved": "批了",
    "approval": "审批",
    "sign-off": "签字",
    "sign off": "签字",
    "approve": "批",
    "budget": "预算",
    "tender": "招标",
    "bidding": "招标",
    "bid": "投标",
    "samples": "样品",
    "sample": "样品",
    "demo unit": "演示机",
    "demo": "演示",
    "trial": "试用",
    "discount": "折扣",
    "too expensive": "太贵",
    "expensive": "贵",
    "cheaper": "更便宜",
    "cheap": "便宜",
    "price": "价格",
    "quotation": "报价",
    "quote": "报价",
    "contract": "合同",
    "purchase order": "采购订单",
    "po": "订单",
    "order": "订单",
    "lead time": "交期",
    "lead-time": "交期",
    "go live": "上线",
    "go-live": "上线",
    "delivery": "交货",
    "deadline": "截止日期",
    "asap": "尽快",
    "urgent": "加急",
    "invoice": "发票",
    "payment": "付款",
    "credit term": "账期",
    "credit terms": "账期",
    "hq": "总部",
    "rebate": "返利",
    "margin": "毛利",
    # Pinyin initials typed for the words that carry a signal, in lower case only
    # (PINYIN_INITIALS): "FP" in a lab is a false positive.
    "ys": "预算",
    "zr": "主任",
    "fp": "发票",
    "ht": "合同",
    "headquarters": "总部",
    "headquarter": "总部",
    "global procurement": "集团采购",
    "group procurement": "集团采购",
    "boss": "老板",
    "out of office": "不在",
    "ooo": "不在",
    "on leave": "休假",
    "business trip": "出差",
    "travelling": "出差",
    "traveling": "出差",
    "travel": "出差",
    "outing": "外出",
    "vacation": "休假",
    "meeting": "开会",
    "sign": "签",
    "specs": "参数",
    "spec": "参数",
    "compatible": "兼容",
    "compatibility": "兼容性",
    "stability": "稳定性",
    "sensitivity": "灵敏度",
    "certificate": "证书",
    "competitor": "竞品",
    "later": "再说",
}

# Pinyin spellings of the words the rules depend on. An all-letter run in the message
# (spaces between syllables allowed) is matched against these after removing spaces.
PINYIN_WORDS: dict[str, str] = {
    "yusuan": "预算",
    "zhaobiao": "招标",
    "toubiao": "投标",
    "biaoshu": "标书",
    "guawang": "挂网",
    "jicai": "集采",
    "yangpin": "样品",
    "yangji": "样机",
    "shiyong": "试用",
    "jiaoqi": "交期",
    "huoqi": "货期",
    "daohuo": "到货",
    "fahuo": "发货",
    "zhangqi": "账期",
    "fapiao": "发票",
    "fukuan": "付款",
    "yufu": "预付",
    "yuejie": "月结",
    "taigui": "太贵",
    "guile": "贵了",
    "pianyi": "便宜",
    "youhui": "优惠",
    "zhekou": "折扣",
    "dazhe": "打折",
    "jiangjia": "降价",
    "xiadan": "下单",
    "hetong": "合同",
    "qianhetong": "签合同",
    "gaizhang": "盖章",
    "zongbu": "总部",
    "jituan": "集团",
    "shenpi": "审批",
    "meipi": "没批",
    "pixialai": "批下来",
    "pile": "批了",
    "zhuren": "主任",
    "laoban": "老板",
    "yuanzhang": "院长",
    "chuchai": "出差",
    "kaihui": "开会",
    "xiujia": "休假",
    "buzai": "不在",
    "zaishuo": "再说",
    "kaolv": "考虑",
    "kaolvkaolv": "考虑考虑",
    "zuijinmang": "最近忙",
    "lingmindu": "灵敏度",
    "wendingxing": "稳定性",
    "zhucezheng": "注册证",
    "jinpin": "竞品",
    "jingpin": "竞品",
    "hai": "还",
    "mei": "没",
    "bu": "不",
    "le": "了",
    "xian": "先",
    "yao": "要",
    "ji": "寄",
    "gei": "给",
    "tai": "太",
    "gui": "贵",
    "dian": "点",
    "pi": "批",
    "xialai": "下来",
    "yijing": "已经",
    "meiyou": "没有",
    "haimei": "还没",
    "shenme": "什么",
    "shihou": "时候",
    "neng": "能",
    "dao": "到",
    "huo": "货",
    "zhou": "周",
    "xiazhou": "下周",
    "ma": "吗",
}

# Words whose homophone typos are corrected. Each is at least two syllables and rare
# enough as a sound pattern that a same-sound, one-character-different string in a sales
# chat is almost always the typo (预酸 → 预算, 帐期 → 账期, 招表 → 招标).
TYPO_SAFE_WORDS = [
    "预算", "招标", "投标", "样品", "账期", "折扣", "出差", "审批", "发票", "挂网",
    "集采", "优惠", "到货", "下单", "合同", "盖章", "太贵", "休假", "月结",
    "预付", "注册证", "灵敏度", "稳定性", "重复性", "兼容", "样机", "试用装", "批下来",
]
# Real words that sound like one of those and must stay as written (长期合作 is not 账期).
REAL_SOUND_ALIKES = {"长期", "出岔"}


@dataclass(frozen=True)
class NormalizedText:
    """``text`` rewritten for the rules; ``origin[i]`` is the original offset of
    ``text[i]`` and ``origin_end[i]`` the original offset just after it."""

    original: str
    text: str
    origin: list[int]
    origin_end: list[int]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map the normalised span [start, end) to original offsets."""
        if start >= end or not self.text:
            position = self.origin[start] if start < len(self.origin) else len(self.original)
            return position, position
        return self.origin[start], self.origin_end[end - 1]


def _strip_tone(reading: str) -> str:
    decomposed = unicodedata.normalize("NFD", reading)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).replace("ü", "v")


@lru_cache(maxsize=1)
def _typo_pattern() -> re.Pattern[str]:
    """One regex over every typo-safe word: each position is a character class of all
    characters whose main reading is that syllable (from pypinyin's dictionary), so the
    scan runs in the regex engine. A match that is the word itself or shares no
    character with it is discarded by the caller."""
    by_syllable: dict[str, list[str]] = {}
    for code, readings in pinyin_dict.items():
        if 0x4E00 <= code <= 0x9FFF:
            by_syllable.setdefault(_strip_tone(readings.split(",")[0]), []).append(chr(code))
    alternatives = []
    for word in sorted(TYPO_SAFE_WORDS, key=len, reverse=True):
        classes = []
        for char, syllable in zip(word, lazy_pinyin(word), strict=False):
            members = set(by_syllable.get(syllable, [])) | {char}
            classes.append("[" + "".join(sorted(members)) + "]")
        alternatives.append("".join(classes))
    return re.compile("|".join(alternatives))


_CANONICAL_BY_SOUND: dict[tuple[str, ...], str] = {}


def _word_for(window: str) -> str | None:
    if not _CANONICAL_BY_SOUND:
        for word in TYPO_SAFE_WORDS:
            _CANONICAL_BY_SOUND[tuple(lazy_pinyin(word))] = word
    return _CANONICAL_BY_SOUND.get(tuple(_main_reading(char) for char in window))


@lru_cache(maxsize=20000)
def _main_reading(char: str) -> str:
    readings = pinyin_dict.get(ord(char))
    return _strip_tone(readings.split(",")[0]) if readings else char


# Spaces before the word are taken only from the start of their run (``(?<! )``), so a
# long run of spaces is scanned once rather than from each of its positions.
_ENGLISH_RE = re.compile(
    r"(?:(?<! ) *+)?(?<![a-z])("
    + "|".join(re.escape(key) for key in sorted(ENGLISH_PHRASES, key=len, reverse=True))
    + r")(?![a-z]) *+"
)
PINYIN_INITIALS = {"ys", "zr", "fp", "ht"}
_HAS_LETTER_RE = re.compile(r"[a-z]")
_LETTER_RUN_RE = re.compile(r"[a-z]+(?: [a-z]+)*")
_PINYIN_SPLIT_RE = re.compile(
    "|".join(re.escape(key) for key in sorted(PINYIN_WORDS, key=len, reverse=True))
)


def _pinyin_replacements(text: str) -> list[tuple[int, int, str]]:
    """Rewrite letter runs that consist entirely of known pinyin words."""
    found: list[tuple[int, int, str]] = []
    for run in _LETTER_RUN_RE.finditer(text):
        letters = [(index, char) for index, char in enumerate(run.group(), start=run.start()) if char != " "]
        joined = "".join(char for _, char in letters)
        position = 0
        pieces: list[tuple[int, int, str]] = []
        while position < len(joined):
            match = _PINYIN_SPLIT_RE.match(joined, position)
            if not match:
                pieces = []
                break
            pieces.append((letters[match.start()][0], letters[match.end() - 1][0] + 1, PINYIN_WORDS[match.group()]))
            position = match.end()
        # A lone short syllable ("le", "bu") inside English is not pinyin.
        if pieces and (len(pieces) > 1 or len(joined) >= 4) and len(joined) >= 3:
            # Each piece also swallows the spaces up to the next syllable group.
            for (start, _, value), following in zip(pieces, pieces[1:] + [None], strict=False):
                found.append((start, following[0] if following else pieces[-1][1], value))
    return found


def _typo_replacements(text: str) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    for match in _typo_pattern().finditer(text):
        window = match.group()
        word = _word_for(window)
        if word is None or window == word or not any(a == b for a, b in zip(window, word, strict=False)):
            continue
        if window in REAL_SOUND_ALIKES:
            continue
        found.append((match.start(), match.end(), word))
    return found


# Cantonese words customers in Guangdong and Hong Kong type, as the Mandarin the rules
# read. Only words with one clear Mandarin reading are listed.
CANTONESE_WORDS: dict[str, str] = {
    "唔使": "不用",
    "唔该": "谢谢",
    "冇": "没",
    "唔": "不",
    "咗": "了",
    "嘅": "的",
    "哋": "们",
    "喺": "在",
    "睇": "看",
    "佢": "他",
    "嚟": "来",
    "啲": "点",
    "而家": "现在",
    "几时": "什么时候",
    "老细": "老板",
    "迟啲": "晚点",
    "倾下": "聊下",
    "再倾": "再聊",
    "用晒": "用完",
    "落单": "下单",
    "落咗单": "下单了",
    "样板": "样品",
    "嗰个": "那个",
    "呢排": "这阵",
    "返嚟": "回来",
    "边个": "哪个",
    "乜嘢": "什么",
}
_CANTONESE_RE = re.compile("|".join(sorted(CANTONESE_WORDS, key=len, reverse=True)))


def _cantonese_replacements(text: str) -> list[tuple[int, int, str]]:
    return [(match.start(), match.end(), CANTONESE_WORDS[match.group()]) for match in _CANTONESE_RE.finditer(text)]


def normalize(text: str) -> NormalizedText:
    """Normalise ``text`` for the rules, keeping a map to the original offsets."""
    lowered = text.translate(_WIDTH_TABLE).lower()
    if len(lowered) != len(text):  # a case mapping changed the length: keep the original
        lowered = text.translate(_WIDTH_TABLE)
    replacements: list[tuple[int, int, str]] = []
    if _HAS_LETTER_RE.search(lowered):
        replacements = [
            (m.start(), m.end(), ENGLISH_PHRASES[m.group(1)])
            for m in _ENGLISH_RE.finditer(lowered)
            if m.group(1) not in PINYIN_INITIALS or text[m.start(1) : m.end(1)].islower()
        ]
        taken = [(start, end) for start, end, _ in replacements]
        for start, end, value in _pinyin_replacements(lowered):
            if not any(start < t_end and t_start < end for t_start, t_end in taken):
                replacements.append((start, end, value))
    if any("\u4e00" <= char <= "\u9fff" for char in lowered):
        replacements.extend(_typo_replacements(lowered))
        replacements.extend(_cantonese_replacements(lowered))
    replacements.sort()

    pieces: list[str] = []
    origin: list[int] = []
    origin_end: list[int] = []
    position = 0
    for start, end, value in replacements:
        if start < position:
            continue
        pieces.append(lowered[position:start])
        origin.extend(range(position, start))
        origin_end.extend(range(position + 1, start + 1))
        pieces.append(value)
        origin.extend([start] * len(value))
        origin_end.extend([end] * len(value))
        position = end
    pieces.append(lowered[position:])
    origin.extend(range(position, len(lowered)))
    origin_end.extend(range(position + 1, len(lowered) + 1))
    return NormalizedText(original=text, text="".join(pieces), origin=origin, origin_end=origin_end)
