"""Validation of funnel-analyzer filters: every error names the JSON path and the value."""

import json

import pytest
from django.utils import translation

from salespulse.analytics.analyzer import FilterError, filter_to_text, parse_filter_text, validate_filter
from salespulse.analytics.selectors_analyzer import parse_filter
from tests.analytics.analyzer_helpers import all_of, any_of, condition


def errors_of(spec) -> list[str]:
    text = spec if isinstance(spec, str) else json.dumps(spec)
    with pytest.raises(FilterError) as raised:
        parse_filter_text(text)
    return raised.value.errors


def test_unknown_field_error_is_chinese_by_default():
    [message] = errors_of(all_of(condition("color", "in", ["red"])))

    assert message.startswith('"color" 位于 $.conditions[0].field，不是允许的值；请使用以下之一：stage, status')


def test_unknown_field_error_in_english():
    with translation.override("en"):
        [message] = errors_of(all_of(condition("color", "in", ["red"])))

    assert message.startswith('"color" at $.conditions[0].field is not allowed; use one of: stage, status')


def test_negative_days_names_path_and_value():
    with translation.override("en"):
        errors = errors_of(all_of(condition("days_in_stage", "gte", -1)))

    assert errors == ["-1 at $.conditions[0].value is too small; use 0 or more."]


def test_wrong_operator_for_field_kind():
    with translation.override("en"):
        errors = errors_of(all_of(condition("days_in_stage", "in", [5])))

    assert errors[0] == '"in" at $.conditions[0].op is not allowed; use one of: gte, lte, gt, lt, eq.'


def test_error_inside_nested_group_names_full_path():
    spec = all_of(any_of(condition("stage", "in", ["tech_evaluation"]), condition("amount", "gte", "abc")))

    with translation.override("en"):
        errors = errors_of(spec)

    assert errors == ['"abc" at $.conditions[0].conditions[1].value is not an amount; use a number such as 150000.00.']


def test_impossible_calendar_date_is_rejected():
    with translation.override("en"):
        errors = errors_of(all_of(condition("created", "gte", "2026-02-30")))

    assert errors == ['"2026-02-30" at $.conditions[0].value is not a calendar date; use a date such as 2026-03-31.']


def test_reversed_date_range_is_rejected():
    with translation.override("en"):
        errors = errors_of(all_of(condition("closed", "between", ["2026-04-01", "2026-03-01"])))

    assert errors == ['The range ["2026-04-01", "2026-03-01"] at $.conditions[0].value starts after it ends.']


def test_amount_with_three_decimals_is_rejected():
    with translation.override("en"):
        errors = errors_of('{"op": "and", "conditions": [{"field": "amount", "op": "gte", "value": 12.345}]}')

    assert errors == ['"12.345" at $.conditions[0].value is not an amount; use a number such as 150000.00.']


def test_competitor_only_on_tag_conditions():
    with translation.override("en"):
        errors = errors_of(all_of(condition("stage", "in", ["won"], competitor="with")))

    assert errors == ["$.conditions[0].competitor applies only to intent tag conditions; remove it."]


def test_nesting_deeper_than_four_levels_is_rejected():
    spec = all_of(any_of(all_of(any_of(all_of()))))

    with translation.override("en"):
        errors = errors_of(spec)

    assert errors == [
        "The group at $.conditions[0].conditions[0].conditions[0].conditions[0] is nested 5 levels deep; "
        "the limit is 4."
    ]


def test_invalid_json_names_line_and_column():
    with translation.override("en"):
        errors = errors_of('{"op": "and",')

    assert errors[0].startswith("The filter is not valid JSON: ")
    assert errors[0].endswith("at line 1, column 14.")


def test_missing_key_is_named():
    with translation.override("en"):
        errors = errors_of(all_of({"field": "tag", "op": "present"}))

    assert errors == ["The filter at $.conditions[0] is missing the key value."]


def test_amounts_are_normalised_to_decimal_text():
    spec = validate_filter(all_of(condition("amount", "gte", 150000), condition("amount", "lt", "200000.5")))

    assert [item["value"] for item in spec["conditions"]] == ["150000", "200000.5"]


def test_filter_text_round_trips():
    spec = all_of(
        condition("stage", "in", ["tech_evaluation"]),
        any_of(
            condition("tag", "present", "competitor_preference", competitor="with"),
            condition("days_in_stage", "gte", 5),
        ),
    )

    assert parse_filter_text(filter_to_text(spec)) == spec


@pytest.mark.django_db
def test_unknown_stage_code_is_rejected():
    with translation.override("en"), pytest.raises(FilterError) as raised:
        parse_filter(json.dumps(all_of(condition("stage", "in", ["tech_evaluation", "tech_eval"]))))

    assert raised.value.errors == [
        '"tech_eval" at $.conditions[0].value[1] does not exist: choose an existing Stage.'
    ]
    assert raised.value.field == "$.conditions[0].value[1]"


@pytest.mark.django_db
def test_empty_text_is_the_empty_filter():
    assert parse_filter("  ") == {"op": "and", "conditions": []}


def test_groups_nested_hundreds_deep_in_text_are_rejected_before_parsing():
    text = '{"op":"and","conditions":[' * 300 + "]}" * 300

    with translation.override("en"):
        errors = errors_of(text)

    assert errors == ["The filter nests objects and lists 600 levels deep; the limit is 16."]


def test_brackets_nested_thousands_deep_are_rejected_not_a_recursion_error():
    with translation.override("en"):
        errors = errors_of("[" * 19000)

    assert errors == ["The filter nests objects and lists 19000 levels deep; the limit is 16."]


def test_brackets_inside_strings_do_not_count_as_nesting():
    owner = '[[[[[[[[[[[[[[[[[[[[{{{{{{{{{{{{{{{{{{\\"x'

    spec = parse_filter_text(json.dumps(all_of(condition("owner", "in", [owner]))))

    assert spec["conditions"][0]["value"] == [owner]


def test_decoded_tree_nested_too_deep_is_rejected_without_recursion():
    spec: dict = {"op": "and", "conditions": []}
    innermost = spec
    for _level in range(2000):
        child = {"op": "and", "conditions": []}
        innermost["conditions"].append(child)
        innermost = child

    with pytest.raises(FilterError) as raised, translation.override("en"):
        validate_filter(spec)

    assert raised.value.errors == ["The filter nests objects and lists 17 levels deep; the limit is 16."]


def test_integer_with_thousands_of_digits_is_rejected_by_name():
    text = json.dumps(all_of(condition("days_in_stage", "gte", 0))).replace(": 0}", ": " + "9" * 5000 + "}")

    with translation.override("en"):
        errors = errors_of(text)

    assert errors == [f'The filter contains the number "{"9" * 76}... with 5000 digits; use at most 20.']


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1899-12-31", "3000-01-01"])
def test_date_outside_supported_range_is_rejected(day):
    with translation.override("en"):
        errors = errors_of(all_of(condition("created", "lte", day)))

    assert errors == [
        f'"{day}" at $.conditions[0].value is outside the dates a filter may name; '
        "use a date from 1900-01-01 to 2999-12-31."
    ]


def test_date_range_ending_past_supported_range_names_the_end():
    with translation.override("en"):
        errors = errors_of(all_of(condition("closed", "between", ["2026-01-01", "9999-12-31"])))

    assert errors == [
        '"9999-12-31" at $.conditions[0].value[1] is outside the dates a filter may name; '
        "use a date from 1900-01-01 to 2999-12-31."
    ]


def test_choice_value_with_nul_character_is_rejected_before_any_query():
    with translation.override("en"):
        errors = errors_of(all_of(condition("owner", "in", ["rep\x00a"])))

    assert errors == ['"rep\\u0000a" at $.conditions[0].value[0] contains a NUL character; remove it.']
