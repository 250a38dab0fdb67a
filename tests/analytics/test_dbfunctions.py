import datetime as dt
import random

import numpy
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salespulse.analytics.dbfunctions import EpochSeconds, elapsed_seconds, from_epoch, percentiles_by_group
from salespulse.crm.models import Lead
from salespulse.pipeline.models import StageInterval
from tests.analytics.helpers import deal_path, local
from tests.factories import LeadFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("seed", range(3))
def test_percentiles_match_linear_interpolation(seed):
    rng = random.Random(seed)
    rep = UserFactory()
    for _ in range(rng.randrange(3, 12)):
        start = local(2026, 3, 1)
        hours = rng.randrange(1, 500)
        deal_path(rep, start, [("needs_analysis", start + dt.timedelta(hours=hours))])
    stays = StageInterval.objects.filter(left_at__isnull=False)
    expected = sorted((left - entered).total_seconds() for entered, left in stays.values_list("entered_at", "left_at"))

    result = percentiles_by_group(stays, ["stage_id"], elapsed_seconds("entered_at", "left_at"), (0.5, 0.9, 0.0, 1.0))

    ((count, values),) = result.values()
    assert count == len(expected)
    assert values == pytest.approx(list(numpy.percentile(expected, [50, 90, 0, 100])), abs=0.01)


def test_percentiles_of_single_value():
    rep = UserFactory()
    deal_path(rep, local(2026, 3, 1), [("needs_analysis", local(2026, 3, 3))])
    stays = StageInterval.objects.filter(left_at__isnull=False)

    result = percentiles_by_group(stays, [], elapsed_seconds("entered_at", "left_at"), (0.5, 0.9))

    assert result == {(): (1, [pytest.approx(172800.0, abs=0.01), pytest.approx(172800.0, abs=0.01)])}


# --- Epoch seconds ------------------------------------------------------------------------

MOMENTS = st.datetimes(min_value=dt.datetime(1971, 1, 1), max_value=dt.datetime(2105, 12, 31)).map(
    lambda moment: moment.replace(tzinfo=dt.UTC)
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moment=MOMENTS)
def test_epoch_seconds_round_trip(moment):
    lead = LeadFactory()
    Lead.objects.filter(pk=lead.pk).update(created_at=moment)

    (seconds,) = Lead.objects.filter(pk=lead.pk).annotate(epoch=EpochSeconds("created_at")).values_list(
        "epoch", flat=True
    )

    assert from_epoch(seconds) == moment


def test_epoch_seconds_fraction_near_second():
    lead = LeadFactory()
    moment = dt.datetime(2000, 1, 1, 0, 0, 0, 999500, tzinfo=dt.UTC)
    Lead.objects.filter(pk=lead.pk).update(created_at=moment)

    (seconds,) = Lead.objects.annotate(epoch=EpochSeconds("created_at")).values_list("epoch", flat=True)

    assert from_epoch(seconds) == moment


def test_epoch_seconds_whole_second():
    lead = LeadFactory()
    Lead.objects.filter(pk=lead.pk).update(created_at=dt.datetime(2026, 11, 30, 2, 15, 30, tzinfo=dt.UTC))

    (seconds,) = Lead.objects.annotate(epoch=EpochSeconds("created_at")).values_list("epoch", flat=True)

    assert seconds == 1796004930.0
