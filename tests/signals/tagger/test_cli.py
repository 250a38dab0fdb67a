"""`salespulse tag` and `salespulse tagger-eval`."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from salespulse.signals.tagger.config import invalidate_config


@pytest.fixture(autouse=True)
def shipped_configuration():
    # Without a database the command keeps the configuration this process cached last,
    # which an earlier test may have loaded from its own tag rows.
    invalidate_config()
    yield
    invalidate_config()


def run_tag(lines: list[str], *args: str) -> list[dict]:
    out = io.StringIO()
    stdin = io.BytesIO("\n".join(lines).encode("utf-8") + b"\n")
    with translation.override("zh-hans"):
        call_command("tag", "--no-model", *args, stdin=stdin, stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_tag_writes_tags_evidence_and_entities_per_line():
    (row,) = run_tag([json.dumps({"text": "迈瑞报价才60万，你们太贵了", "channel": "wecom", "speaker": "customer"})])
    assert row["tags"] == ["competitor_preference", "price_objection"]
    assert row["evidence"]["price_objection"]["trigger"] == "迈瑞报价才60、太贵"
    assert row["entities"]["competitor"] == ["迈瑞"]
    assert row["entities"]["amount_cny"] == [{"text": "60万", "value": "600000"}]


def test_malformed_line_reported_and_run_continues():
    rows = run_tag(['{"text": "预算还没批"', json.dumps({"text": "预算还没批"})])

    assert rows[0]["line"] == 1
    assert rows[0]["error"].startswith("第 1 行不是有效的 JSON：")
    assert rows[1]["line"] == 2
    assert rows[1]["tags"] == ["budget_pending"]


def test_line_without_text_is_reported():
    (row,) = run_tag([json.dumps({"channel": "wecom"})])
    assert row == {"line": 1, "error": "第 1 行缺少字符串字段“text”"}


def test_competitors_option_replaces_the_configured_list():
    (row,) = run_tag([json.dumps({"text": "迈瑞和Acme都来报过价"})], "--competitors", "Acme=艾克米")
    assert row["entities"]["competitor"] == ["Acme"]


def test_competitors_option_with_empty_name_is_rejected():
    with pytest.raises(CommandError, match="--competitors 参数无效"):
        run_tag([], "--competitors", "=Roche")


def test_sent_at_resolves_relative_dates():
    (row,) = run_tag([json.dumps({"text": "下周三前到货", "sent_at": "2026-12-04T10:00:00+08:00"})])
    assert row["entities"]["date"] == [{"text": "下周三", "value": "2026-12-09"}]


def test_tagger_eval_scores_a_labelled_file(tmp_path):
    path = tmp_path / "set.jsonl"
    path.write_text(
        "\n".join(
            json.dumps(row, ensure_ascii=False)
            for row in [
                {"text": "预算还没批", "channel": "wecom", "speaker": "customer", "tags": ["budget_pending"]},
                {"text": "好的，收到", "channel": "wecom", "speaker": "customer", "tags": []},
            ]
        ),
        encoding="utf-8",
    )
    out = io.StringIO()
    call_command("tagger-eval", str(path), stdout=out)
    assert "budget_pending                1.000  1.000  1.000        1" in out.getvalue()
    assert "untagged messages left untagged: 1/1" in out.getvalue()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"text": "\\ud800预算"}', "代理字符"),
        (json.dumps({"text": "预算还没批", "sent_at": "9999-12-31T23:59:59"}), "1900"),
        ("[" * 100_000, "JSON"),
    ],
)
def test_bad_line_reported_and_next_line_tagged(line, message):
    rows = run_tag([line, json.dumps({"text": "预算还没批"})])
    assert message in rows[0]["error"]
    assert rows[1]["tags"] == ["budget_pending"]
