"""Factories and file builders for campaign tests."""

from __future__ import annotations

import datetime as dt
import io
import struct
import zipfile

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from salespulse.accounts.models import Role
from salespulse.campaigns.models import Campaign, CampaignStatus, CaseStatus, CaseSubmission, RepRankAssignment, Scene
from salespulse.core.timeutil import local_date
from salespulse.crm.models import Product, ProductLine
from tests.factories import TeamFactory, UserFactory


def tiny_mp4() -> bytes:
    """Return a minimal ISO base media file: an ``ftyp`` box (brand isom) and a small ``mdat``."""
    ftyp = struct.pack(">I", 24) + b"ftyp" + b"isom" + struct.pack(">I", 512) + b"isomiso2"
    payload = b"\x00" * 64
    mdat = struct.pack(">I", 8 + len(payload)) + b"mdat" + payload
    return ftyp + mdat


def tiny_webm() -> bytes:
    """Return an EBML header declaring doc type webm."""
    return bytes.fromhex("1a45dfa3") + b"\x9f\x42\x86\x81\x01\x42\x82\x84webm" + b"\x00" * 48


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "这不是视频")
    return buffer.getvalue()


# PATH holds only the fake tools, so the scripts use shell built-ins alone.
FAKE_FFPROBE = """#!/bin/sh
echo '{"format": {"duration": "42.005333"}, "streams": []}'
"""

# Writes a JPEG signature to its last argument, the output path ffmpeg is given.
FAKE_FFMPEG = """#!/bin/sh
for last; do :; done
printf '\\377\\330\\377\\340fake-jpeg' > "$last"
"""


def install_fake_ffmpeg(folder, monkeypatch):
    """Put shell scripts named ffprobe and ffmpeg first on PATH; they print canned output."""
    for name, script in (("ffprobe", FAKE_FFPROBE), ("ffmpeg", FAKE_FFMPEG)):
        path = folder / name
        path.write_text(script)
        path.chmod(0o755)
    monkeypatch.setenv("PATH", str(folder))


def video_upload(
    name: str = "visit.mp4", content: bytes | None = None, content_type: str = "video/mp4"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, tiny_mp4() if content is None else content, content_type=content_type)


class ProductLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductLine
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"coag-{n}")
    name = factory.Sequence(lambda n: f"凝血产品线{n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"CA-{n}")
    name = factory.Sequence(lambda n: f"全自动凝血分析仪{n}型")
    product_line = factory.SubFactory(ProductLineFactory)


class SceneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Scene
        django_get_or_create = ("name",)

    name = "科室主任拜访"


def local_today() -> dt.date:
    return local_date(timezone.now())


class CampaignFactory(factory.django.DjangoModelFactory):
    """A published 100-day campaign that started today, one case per rep per week, open to all."""

    class Meta:
        model = Campaign
        skip_postgeneration_save = True

    product = factory.SubFactory(ProductFactory)
    name = factory.Sequence(lambda n: f"凝血分析仪百日攻坚{n}")
    description = "每周上传一个真实拜访案例"
    starts_on = factory.LazyFunction(local_today)
    ends_on = factory.LazyAttribute(lambda campaign: campaign.starts_on + dt.timedelta(days=99))
    weekly_quota = 1
    status = CampaignStatus.PUBLISHED

    @factory.post_generation
    def scope_regions(self, create, extracted, **kwargs):
        if create and extracted:
            self.regions.set(extracted)

    @factory.post_generation
    def scope_teams(self, create, extracted, **kwargs):
        if create and extracted:
            self.teams.set(extracted)


class CaseFactory(factory.django.DjangoModelFactory):
    """A submitted case without a stored video (tests that need one upload it through the service)."""

    class Meta:
        model = CaseSubmission
        skip_postgeneration_save = True

    campaign = factory.SubFactory(CampaignFactory)
    rep = factory.SubFactory(UserFactory, role=Role.REP)
    script = "主任您好，这台凝血分析仪每小时可以做两百个测试。"
    scene = factory.SubFactory(SceneFactory)
    status = CaseStatus.SUBMITTED
    submitted_at = factory.LazyFunction(timezone.now)
    region = factory.LazyAttribute(lambda case: case.rep.region)
    team = factory.LazyAttribute(lambda case: case.rep.team)
    rep_rank = "junior"

    @factory.post_generation
    def lines(self, create, extracted, **kwargs):
        if create and extracted:
            self.product_lines.set(extracted)


def make_rep(team=None, rank: str | None = None, **kwargs):
    rep = UserFactory(role=Role.REP, team=team or TeamFactory(), **kwargs)
    if rank:
        RepRankAssignment.objects.create(user=rep, rank=rank)
    return rep


def make_manager(team):
    return UserFactory(role=Role.MANAGER, team=team)
