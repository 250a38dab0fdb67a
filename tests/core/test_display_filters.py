from decimal import Decimal

from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from salespulse.core.money import quantize_money
from salespulse.core.templatetags.display import cny, localized_name
from salespulse.crm.models import Channel


def test_cny_groups_thousands_and_keeps_cents():
    assert cny(Decimal("1420000.00")) == "¥1,420,000.00"


def test_cny_rounds_half_up():
    assert cny(Decimal("0.005")) == "¥0.01"


def test_cny_of_none_is_empty():
    assert cny(None) == ""


@given(st.decimals(min_value=0, max_value=Decimal("99999999999999.99"), allow_nan=False, places=3))
def test_cny_reads_back_as_the_quantized_amount(amount):
    shown = cny(amount)

    assert Decimal(shown.removeprefix("¥").replace(",", "")) == quantize_money(amount)


def test_localized_name_follows_active_language():
    channel = Channel(name="医院", name_en="Hospital")

    with translation.override("en"):
        english = localized_name(channel)
    with translation.override("zh-hans"):
        chinese = localized_name(channel)

    assert english == "Hospital"
    assert chinese == "医院"


def test_localized_name_falls_back_to_chinese_name():
    with translation.override("en"):
        assert localized_name(Channel(name="医院", name_en="")) == "医院"
