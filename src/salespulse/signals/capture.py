"""Reading a pasted chat snippet or quote: who said it, when, which amount, which file.

Reps copy from WeChat and WeCom on the phone, and the copied text comes in a few
layouts, all handled here line by line:

* a header line ``张主任 10:32`` (or ``张主任@江南医院 2026/11/30 10:32``) followed by the
  message lines, as WeChat and WeCom copy several selected messages;
* one line per message, ``2026/11/30 10:15 王喆: 报价收到了`` or ``[10:15] 王喆：…``, as
  exported or forwarded chat records read;
* media placeholders ``[图片]``, ``[语音]``, ``[文件] 报价单.pdf``, kept out of the text,
  the file name kept as the attachment name;
* plain text with no header at all (a quote, a note): the whole text is the message.

Amounts come from the tagger's ``amount_cny`` entities, so capture and tagging read
money the same way. Times without a date are local times of the capture day; one
later than the capture moment belongs to the day before (a chat copied after midnight).
Everything here is pure: no database access.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from salespulse.core.timeutil import local_zone, to_local
from salespulse.signals.tagger import tag_text

# Names a rep's own messages carry in a copied chat.
SELF_NAMES = frozenset({"我", "me", "Me", "ME", "本人"})

_TIME = r"(?P<time>\d{1,2}:\d{2}(?::\d{2})?)"
_DATE = r"(?P<date>\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?|\d{1,2}[-/月]\d{1,2}日?|昨天|前天|今天)"
_NAME = r"(?P<name>[^\s:：\[\]][^:：\[\]]{0,39}?)"

# "张主任 10:32", "张主任@江南医院 2026/11/30 10:32", "王喆 昨天 10:32" (header; text below).
HEADER_LINE = re.compile(rf"^{_NAME}\s+(?:{_DATE}\s+)?{_TIME}$")
# "2026/11/30 10:15 王喆: text", "10:15 王喆：text", "[2026-11-30 10:15] 王喆: text".
INLINE_LINE = re.compile(rf"^\[?(?:{_DATE}\s+)?{_TIME}\]?\s+{_NAME}\s*[:：]\s*(?P<text>.*)$")
# "王喆 2026/11/30 10:15: text" (some forwarded records put the time after the name).
NAME_FIRST_INLINE = re.compile(rf"^{_NAME}\s+(?:{_DATE}\s+)?{_TIME}\s*[:：]\s*(?P<text>.+)$")
# "[文件] 报价单.pdf", "[图片]", "[语音] 12\"", "[File] quote.xlsx".
PLACEHOLDER_LINE = re.compile(r"^\[(?P<kind>[^\[\]]{1,8})\]\s*(?P<rest>.*)$")
FILE_KINDS = frozenset({"文件", "file", "File", "附件"})
FILE_NAME = re.compile(
    r"^[^\s/\\:*?\"<>|]{1,120}\.(?:pdf|docx?|xlsx?|pptx?|csv|txt|zip|rar|7z|jpe?g|png|wps|et|dps)$",
    re.IGNORECASE,
)
# Words that start a line such as "下午 3:00" in a message body; never a sender's name.
TIME_WORDS = re.compile(
    r"^(?:上午|下午|中午|晚上|早上|凌晨|今天|明天|后天|昨天|前天|周.|星期.|下周.*|本周.*|这周.*|[0-9]+号|.*[点时]$)$"
)
QUOTE_WORDS = ("报价", "报价单", "quotation", "quote", "合计", "总价")


@dataclass(frozen=True)
class SnippetMessage:
    sender: str
    at: dt.datetime | None
    text: str


@dataclass
class Extraction:
    """The facts read from one snippet. ``occurred_at`` is aware. ``nickname`` is the
    counterpart's name as the chat shows it, and ``organisation`` the part after ``@`` of
    a WeCom external contact's name."""

    layout: str  # "chat" or "text"
    text: str
    occurred_at: dt.datetime | None = None
    nickname: str = ""
    organisation: str = ""
    amount: Decimal | None = None
    amounts: list[Decimal] = field(default_factory=list)
    attachment_name: str = ""
    channel: str = "wechat"
    inbound: bool = True
    looks_like_quote: bool = False
    tags: list[str] = field(default_factory=list)
    messages: list[SnippetMessage] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "layout": self.layout,
            "text": self.text,
            "occurred_at": self.occurred_at.isoformat() if self.occurred_at else None,
            "nickname": self.nickname,
            "organisation": self.organisation,
            "amount": str(self.amount) if self.amount is not None else None,
            "amounts": [str(amount) for amount in self.amounts],
            "attachment_name": self.attachment_name,
            "channel": self.channel,
            "inbound": self.inbound,
            "looks_like_quote": self.looks_like_quote,
            "tags": list(self.tags),
        }


def extract_snippet(raw: str, *, now: dt.datetime, self_names: frozenset[str] | set[str] = frozenset()) -> Extraction:
    """Read ``raw`` as a copied chat or a plain text. ``now`` (aware) is the capture
    moment; ``self_names`` are the rep's own names, whose lines are not the counterpart."""
    own = SELF_NAMES | {name for name in self_names if name}
    lines = [line.strip() for line in raw.replace("\r\n", "\n").replace("\r", "\n").replace("\u3000", " ").split("\n")]
    messages, attachment = _read_messages(lines, now)

    if messages:
        layout = "chat"
        counterpart = [message for message in messages if _base_name(message.sender) not in own]
        speakers = {message.sender for message in messages}
        chosen = counterpart or messages
        nickname_full = counterpart[0].sender if counterpart else ""
        if len(speakers) > 1:
            text = "\n".join(f"{message.sender}：{message.text}" for message in messages if message.text)
        else:
            text = "\n".join(message.text for message in messages if message.text)
        times = [message.at for message in chosen if message.at is not None]
        occurred_at = max(times) if times else None
        inbound = bool(counterpart)
    else:
        layout = "text"
        kept = [line for line in lines if line and not PLACEHOLDER_LINE.match(line)]
        text = "\n".join(kept)
        nickname_full = ""
        occurred_at = None
        inbound = False

    nickname, _, organisation = nickname_full.partition("@")
    result = tag_text(text or raw, channel="wecom" if organisation else "wechat", speaker="customer", sent_at=now)
    amounts = [
        entity.value for entity in result.entities if entity.kind == "amount_cny" and isinstance(entity.value, Decimal)
    ]
    lowered = raw.lower()
    return Extraction(
        layout=layout,
        text=text.strip(),
        occurred_at=occurred_at,
        nickname=nickname.strip(),
        organisation=organisation.strip(),
        amount=max(amounts) if amounts else None,
        amounts=amounts,
        attachment_name=attachment,
        channel="wecom" if organisation else "wechat",
        inbound=inbound,
        looks_like_quote=any(word in lowered for word in QUOTE_WORDS) or "报价" in attachment,
        tags=result.codes,
        messages=messages,
    )


def _base_name(sender: str) -> str:
    return sender.partition("@")[0].strip()


def _read_messages(lines: list[str], now: dt.datetime) -> tuple[list[SnippetMessage], str]:
    """Split the lines into messages; return them and the first attachment file name."""
    messages: list[SnippetMessage] = []
    attachment = ""
    sender: str | None = None
    at: dt.datetime | None = None
    body: list[str] = []

    def flush() -> None:
        if sender is not None:
            messages.append(SnippetMessage(sender, at, "\n".join(body).strip()))

    for line in lines:
        if not line:
            continue
        placeholder = PLACEHOLDER_LINE.match(line)
        if placeholder and not INLINE_LINE.match(line):
            if placeholder["kind"].strip() in FILE_KINDS and not attachment:
                attachment = placeholder["rest"].strip()
            continue
        inline = INLINE_LINE.match(line) or NAME_FIRST_INLINE.match(line)
        if inline and TIME_WORDS.match(inline["name"].strip()):
            inline = None
        header = HEADER_LINE.match(line)
        if inline:
            flush()
            sender, at = inline["name"].strip(), resolve_time(inline["date"], inline["time"], now)
            body = [inline["text"]] if inline["text"] else []
            text_attachment = _attachment_in(inline["text"])
            attachment = attachment or text_attachment
        elif header and not FILE_NAME.match(line) and not TIME_WORDS.match(header["name"].strip()):
            flush()
            sender, at = header["name"].strip(), resolve_time(header["date"], header["time"], now)
            body = []
        elif sender is not None:
            if FILE_NAME.match(line):
                attachment = attachment or line
                continue
            body.append(line)
        elif FILE_NAME.match(line):
            attachment = attachment or line
    flush()
    return messages, attachment


def _attachment_in(text: str) -> str:
    placeholder = PLACEHOLDER_LINE.match(text or "")
    if placeholder and placeholder["kind"].strip() in FILE_KINDS:
        return placeholder["rest"].strip()
    return ""


def resolve_time(date_text: str | None, time_text: str, now: dt.datetime) -> dt.datetime | None:
    """Return the aware moment of a chat time, read in the local zone.

    Without a date the time is on the capture day, or on the day before when that would
    lie after ``now``. "昨天" and "前天" count back from the capture day. A month and day
    without a year take the latest such date that is not after the capture day.
    """
    parts = [int(part) for part in time_text.split(":")]
    hour, minute, second = parts[0], parts[1], parts[2] if len(parts) > 2 else 0
    if hour > 23 or minute > 59 or second > 59:
        return None
    today = to_local(now).date()
    day = _resolve_date(date_text, today)
    if day is None:
        return None
    moment = dt.datetime.combine(day, dt.time(hour, minute, second), tzinfo=local_zone())
    if date_text is None and moment > now:
        moment = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(hour, minute, second), tzinfo=local_zone())
    return moment.astimezone(dt.UTC)


def _resolve_date(date_text: str | None, today: dt.date) -> dt.date | None:
    if not date_text:
        return today
    if date_text in ("今天",):
        return today
    if date_text == "昨天":
        return today - dt.timedelta(days=1)
    if date_text == "前天":
        return today - dt.timedelta(days=2)
    numbers = [int(number) for number in re.findall(r"\d+", date_text)]
    try:
        if len(numbers) == 3:
            return dt.date(numbers[0], numbers[1], numbers[2])
        candidate = dt.date(today.year, numbers[0], numbers[1])
    except ValueError:
        return None
    return candidate if candidate <= today else candidate.replace(year=today.year - 1)
