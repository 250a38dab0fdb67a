"""The scale data set and the bench harness at a tiny scale: row ratios, determinism,
the analytics.json shape, and that DuckDB answers each question as the product does."""

import datetime as dt
import json

import pytest
from django.db import connection

from salespulse import bench
from salespulse.benchdata import generate, load, questions
from salespulse.crm.models import Opportunity
from salespulse.crm.services import refresh_activity_facts

END = dt.datetime(2026, 12, 4, 10, 0, tzinfo=dt.UTC)
TINY = 0.003


def _dataset(reference, *, scale=TINY, seed=7):
    return generate.generate(reference, scale=scale, seed=seed, end=END, password_hash="x")


@pytest.fixture
def reference(db):
    return load.reference_from_db()


@pytest.fixture
def loaded(reference, tmp_path):
    """The tiny data set in the test database and in DuckDB, with the bench context."""
    dataset = _dataset(reference)
    load.load_into_django(dataset, connection)
    duck, _ = load.load_into_duckdb(dataset, load.reference_rows(), tmp_path / "csv")
    return dataset, duck, bench.bench_context(END + dt.timedelta(hours=1))


def test_same_seed_gives_same_rows(reference):
    first, second = _dataset(reference), _dataset(reference)

    assert {name: table.rows for name, table in first.tables.items()} == {
        name: table.rows for name, table in second.tables.items()
    }


def test_another_seed_gives_other_rows(reference):
    assert (
        _dataset(reference, seed=7).tables["crm_interaction"].rows
        != _dataset(reference, seed=8).tables["crm_interaction"].rows
    )


def test_scale_keeps_the_ratios_of_the_full_data_set(reference):
    counts = _dataset(reference, scale=0.01).counts()

    assert counts["crm_customer"] == 200
    assert counts["crm_opportunity"] == 1_000
    assert counts["crm_interaction"] == 20_000
    assert counts["crm_lead"] == 300
    assert 4.0 <= counts["pipeline_stageinterval"] / counts["crm_opportunity"] <= 6.0
    assert 0.17 <= counts["signals_signal"] / counts["crm_interaction"] <= 0.23


def test_history_ends_at_end_and_spans_two_years(reference):
    moments = [row[6] for row in _dataset(reference).tables["crm_interaction"].rows]

    assert max(moments) <= END.timestamp()
    assert min(moments) >= (END - dt.timedelta(days=730)).timestamp()


def test_generated_activity_facts_equal_the_services_rule(loaded):
    generated = list(
        Opportunity.objects.order_by("id").values_list(
            "id",
            "last_interaction_at",
            "last_action_type",
            "last_action_at",
            "interaction_count",
            "substantive_count",
            "followups_before_close",
        )
    )

    refresh_activity_facts(Opportunity.objects.values_list("id", flat=True))

    assert generated == list(
        Opportunity.objects.order_by("id").values_list(
            "id",
            "last_interaction_at",
            "last_action_type",
            "last_action_at",
            "interaction_count",
            "substantive_count",
            "followups_before_close",
        )
    )


def test_duckdb_answers_every_comparable_question_as_the_product_does(loaded):
    _dataset, duck, ctx = loaded
    notes: list[str] = []
    asked = [q for q in questions.home_questions(ctx) + questions.extended_questions(ctx, notes) if q.comparable]
    asked = [q for q in asked if q.product is not None and q.duckdb is not None]

    differences = {
        q.name: (q.comparable_product(q.product()), q.comparable_duckdb(q.duckdb(duck)))
        for q in asked
        if q.comparable_product(q.product()) != q.comparable_duckdb(q.duckdb(duck))
    }

    assert len(asked) >= 20
    assert differences == {}


def test_analytics_entries_have_the_required_keys(loaded, tmp_path):
    _dataset, duck, ctx = loaded
    asked = questions.home_questions(ctx)[:5]

    results, duck_results, _ = bench.time_questions(asked, duck, 1, connection.vendor, [])
    entries = bench.merge_results([{"results": results, "duckdb": duck_results}])

    product = [entry for entry in entries if entry["engine"] != "duckdb"]
    reference = [entry for entry in entries if entry["engine"] == "duckdb"]
    assert len(product) == len(reference) == 5
    assert all({"query", "engine", "rows", "p50_ms", "p95_ms", "ratio_to_duckdb"} <= set(e) for e in product)
    assert all(
        {"query", "engine", "rows", "p50_ms", "p95_ms"} <= set(e) and "ratio_to_duckdb" not in e for e in reference
    )
    assert {entry["engine"] for entry in product} == {connection.vendor}
    json.dumps(entries)


def _verdict(query: str, p95_ms: float, ratio: float | None = None) -> str:
    entry = {"query": query, "engine": "postgresql", "rows": 1, "p50_ms": p95_ms, "p95_ms": p95_ms}
    if ratio is not None:
        entry["ratio_to_duckdb"] = ratio
    return bench.markdown_table([entry]).splitlines()[-1].rsplit("|", 2)[-2].strip()


def test_verdict_slow_widget_missed():
    assert _verdict("home: stale leads [manager]", 301, 1.0) == "**missed**"


def test_verdict_detector_query_ratio_only():
    assert _verdict("detector query: stale_lead", 2000, 4.9) == "met"


def test_verdict_detector_query_over_ratio():
    assert _verdict("detector query: stale_lead", 20, 5.1) == "**missed**"


def test_verdict_detector_run_scheduled():
    assert _verdict("detector run, storing alerts: stale_lead", 5000) == "scheduled job"
