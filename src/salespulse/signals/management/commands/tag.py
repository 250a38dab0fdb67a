"""`salespulse tag [--competitors LIST] [--no-model]`: tag JSON lines from standard input.

Each input line is an object with ``text`` (required), ``channel``, ``speaker`` and
optionally ``sent_at`` (ISO 8601, to resolve relative dates). Each output line has
``line``, ``tags``, ``evidence`` and ``entities``, or ``line`` and ``error`` when the
input line cannot be read; the run goes on with the next line.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from salespulse.signals.models import Speaker
from salespulse.signals.tagger import TagResult, tag_text
from salespulse.signals.tagger.competitors import parse_competitor_option

COMPETITORS_HELP = (
    "Competitor list for this run, replacing the configured one: items separated by commas, "
    "each a name optionally followed by its aliases joined with '=', e.g. "
    '"迈瑞=Mindray=MR,罗氏=Roche,希森美康". Matching is case-insensitive except for '
    "all-capital aliases of up to three letters."
)


def result_as_json(result: TagResult) -> dict:
    evidence = {
        hit.tag: {
            "start": hit.start,
            "end": hit.end,
            "text": hit.evidence,
            "trigger": hit.trigger,
            "confidence": hit.confidence,
        }
        for hit in result.tags
    }
    entities: dict[str, list] = {"competitor": [], "amount_cny": []}
    for entity in result.entities:
        value = entity.value
        if entity.kind == "competitor":
            entities["competitor"].append(entity.text)
        elif entity.kind == "amount_cny" and isinstance(value, Decimal):
            entities["amount_cny"].append({"text": entity.text, "value": str(value)})
        elif entity.kind == "date" and isinstance(value, dt.date):
            entities.setdefault("date", []).append({"text": entity.text, "value": value.isoformat()})
    return {"tags": result.codes, "evidence": evidence, "entities": entities}


# Relative dates ("下周三", "月底") are resolved against sent_at, up to a year ahead.
SENT_AT_RANGE = (dt.datetime(1900, 1, 1), dt.datetime(9000, 1, 1))


class Command(BaseCommand):
    help = (
        "Tag JSON lines read from standard input (text, channel, speaker, optional sent_at) and write one JSON "
        "line per input with tags, evidence and entities; a malformed line gives a line with an error field."
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser) -> None:
        parser.add_argument("--competitors", help=COMPETITORS_HELP)
        parser.add_argument(
            "--no-model", action="store_true", help="Tag with the rules only, ignoring a trained model."
        )

    def handle(self, *args, **options) -> None:
        competitors = None
        if options.get("competitors") is not None:
            try:
                competitors = parse_competitor_option(options["competitors"])
            except ValueError as error:
                raise CommandError(
                    _("--competitors is not valid: %(reason)s. Write names separated by commas, aliases after '='.")
                    % {"reason": error}
                ) from error
        stream = options.get("stdin") or sys.stdin.buffer
        for number, raw in enumerate(stream, start=1):
            output = self._tag_line(number, raw, competitors, use_model=not options["no_model"])
            if output is not None:
                self.stdout.write(json.dumps(output, ensure_ascii=False))

    def _tag_line(self, number: int, raw: bytes | str, competitors, *, use_model: bool) -> dict | None:
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                return {
                    "line": number,
                    "error": _("line %(line)s is not UTF-8 (%(reason)s)") % {"line": number, "reason": error},
                }
        if not raw.strip():
            return None
        try:
            row = json.loads(raw)
        except (json.JSONDecodeError, RecursionError) as error:
            return {
                "line": number,
                "error": _("line %(line)s is not valid JSON: %(reason)s") % {"line": number, "reason": error},
            }
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            return {"line": number, "error": _('line %(line)s has no "text" string field') % {"line": number}}
        try:
            row["text"].encode("utf-8")
        except UnicodeEncodeError as error:
            return {
                "line": number,
                "error": _("line %(line)s: text has an unpaired surrogate at character %(position)s. Send the text as UTF-8.")
                % {"line": number, "position": error.start},
            }
        speaker = row.get("speaker") or Speaker.CUSTOMER
        if speaker not in Speaker.values:
            return {
                "line": number,
                "error": _("line %(line)s: speaker %(speaker)s is not one of %(choices)s")
                % {"line": number, "speaker": speaker, "choices": ", ".join(Speaker.values)},
            }
        sent_at = None
        if row.get("sent_at"):
            try:
                sent_at = dt.datetime.fromisoformat(str(row["sent_at"]))
            except ValueError:
                return {
                    "line": number,
                    "error": _("line %(line)s: sent_at %(value)s is not an ISO 8601 time")
                    % {"line": number, "value": row["sent_at"]},
                }
        if sent_at is not None and not SENT_AT_RANGE[0] <= sent_at.replace(tzinfo=None) <= SENT_AT_RANGE[1]:
            return {
                "line": number,
                "error": _("line %(line)s: sent_at %(value)s is outside the years 1900 to 9000")
                % {"line": number, "value": row["sent_at"]},
            }
        result = tag_text(
            row["text"],
            channel=str(row.get("channel") or ""),
            speaker=speaker,
            sent_at=sent_at,
            competitors=competitors,
            use_model=use_model,
        )
        return {"line": number, **result_as_json(result)}
