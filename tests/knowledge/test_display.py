"""How the playbook shows resolution times and resolved rates."""

import datetime as dt

import pytest

from salespulse.knowledge.templatetags.knowledge_tags import percent, time_to_resolve


@pytest.mark.parametrize(
    ("duration", "shown"),
    [
        (dt.timedelta(minutes=30), "不到 1 小时"),
        (dt.timedelta(hours=5, minutes=20), "5 小时"),
        (dt.timedelta(hours=47), "47 小时"),
        (dt.timedelta(hours=72), "3 天"),
        (None, ""),
    ],
)
def test_time_to_resolve_in_chinese(duration, shown):
    assert time_to_resolve(duration) == shown


def test_percent_of_zero_uses_is_empty():
    assert percent(0, 0) == ""
    assert percent(2, 3) == "67%"
