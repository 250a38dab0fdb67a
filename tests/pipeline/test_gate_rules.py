import pytest

from salespulse.core.errors import DomainError
from salespulse.pipeline.gates import validate_rule


def test_valid_nested_rule_passes():
    validate_rule(
        {
            "all": [
                {"type": "field", "field": "expected_amount", "op": "gt", "value": "0"},
                {"any": [
                    {"type": "attachment", "document_type": "tech_confirmation", "min": 1},
                    {"type": "checklist", "code": "hq_waiver", "label": "总部已书面豁免"},
                ]},
                {"type": "objections", "min": 3, "with_response": True},
            ]
        }
    )


def test_unknown_field_names_json_path():
    rule = {"all": [{"type": "field", "field": "expected_amount", "op": "present"},
                    {"type": "field", "field": "__class__", "op": "present"}]}

    with pytest.raises(DomainError) as error:
        validate_rule(rule)

    assert error.value.code == "invalid_gate_rule"
    assert error.value.params["path"] == "$.all[1].field"


def test_code_like_strings_are_not_rules():
    with pytest.raises(DomainError):
        validate_rule({"all": ["opportunity.expected_amount > 0"]})


def test_comparison_needs_decimal_value():
    with pytest.raises(DomainError) as error:
        validate_rule({"type": "field", "field": "won_amount", "op": "gt", "value": "很多"})

    assert error.value.params["path"] == "$.value"


def test_date_field_cannot_be_compared():
    with pytest.raises(DomainError):
        validate_rule({"type": "field", "field": "signed_date", "op": "gt", "value": "0"})


def test_empty_any_group_is_invalid():
    with pytest.raises(DomainError):
        validate_rule({"any": []})
