"""Fixed reference data of the demo workspace: an invented East-China distributor of
medical devices. Every organisation name ends in （示例） so no reader mistakes it for a
real hospital, clinic or lab. Phone numbers come from the 1380000 and 1390000 blocks and
e-mail addresses from the reserved example.com domain."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

# The demo company works in Shanghai time whatever TIME_ZONE the server uses, so the
# generated rows are identical on every machine.
ZONE = ZoneInfo("Asia/Shanghai")

# The two years of history end at a fixed moment, never at the wall clock, so two runs
# write the same rows. NOTE: once the wall clock is more than 7 days past END, every
# open demo lead counts as stale on the home page, because staleness is measured to now.
START = dt.datetime(2024, 12, 1, 0, 0, tzinfo=ZONE)
END = dt.datetime(2026, 11, 30, 18, 0, tzinfo=ZONE)

SEED = 20261130

# One password for every demo user; `salespulse demo credentials` prints it.
DEMO_PASSWORD = "salespulse-demo"

# Prefixes of the usernames, codes and external ids the generator writes. `--reset`
# deletes the rows that carry them, and the interactions of demo users.
PREFIX = "demo-"
EXTERNAL_ID_PREFIX = "demo:"


@dataclass(frozen=True)
class DemoSize:
    """How much the generator writes. ``scale`` multiplies customers, leads and
    opportunities (and with them interactions and stage intervals), never people."""

    name: str
    teams_per_region: int
    reps_per_team: int
    customers_per_rep: int
    opportunities_per_rep: int
    leads_per_rep: int
    scale: int = 1

    def scaled(self, scale: int) -> DemoSize:
        return replace(self, scale=scale)

    @property
    def rep_count(self) -> int:
        return len(REGIONS) * self.teams_per_region * self.reps_per_team


# 4 regions x 5 teams x 10 reps = 200 reps.
FULL = DemoSize(
    "full",
    teams_per_region=5,
    reps_per_team=10,
    customers_per_rep=12,
    opportunities_per_rep=50,
    leads_per_rep=20,
)
# 16 reps and 960 opportunities: small enough for tests, large enough that every
# planted pattern still shows.
SMALL = DemoSize(
    "small",
    teams_per_region=1,
    reps_per_team=4,
    customers_per_rep=8,
    opportunities_per_rep=60,
    leads_per_rep=12,
)
SIZES = {size.name: size for size in (FULL, SMALL)}


@dataclass(frozen=True)
class RegionSpec:
    code: str
    name: str
    province: str
    cities: tuple[str, ...]


REGIONS = (
    RegionSpec("east-1", "华东一区", "上海", ("上海",)),
    RegionSpec(
        "east-2", "华东二区", "江苏", ("南京", "苏州", "无锡", "常州", "南通", "扬州", "徐州")
    ),
    RegionSpec(
        "east-3", "华东三区", "浙江", ("杭州", "宁波", "温州", "绍兴", "嘉兴", "金华", "台州")
    ),
    RegionSpec("east-4", "华东四区", "安徽", ("合肥", "芜湖", "蚌埠", "安庆", "马鞍山", "阜阳")),
)

TEAM_NUMERALS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十")

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余"
    "杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙"
    "史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_NAMES = (
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "磊",
    "洋",
    "艳",
    "勇",
    "军",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀兰",
    "霞",
    "平",
    "刚",
    "桂英",
    "志强",
    "丽华",
    "建国",
    "晓东",
    "海燕",
    "雪梅",
    "俊杰",
    "文博",
    "思远",
    "雨桐",
    "嘉怡",
    "子涵",
    "浩然",
    "欣怡",
    "一鸣",
    "梓萱",
    "宇航",
    "佳琪",
)

# Invented name stems for organisations.
ORGANISATION_STEMS = (
    "星澜",
    "云岫",
    "青禾",
    "瑞泽",
    "松溪",
    "明湖",
    "禾悦",
    "澄析",
    "嘉和",
    "安澜",
    "景行",
    "康屿",
    "蓝桥",
    "知微",
    "同泽",
    "晨曦",
    "若谷",
    "怀仁",
    "德润",
    "锦程",
    "恒舟",
    "清晏",
    "沐阳",
    "泽远",
    "仁衡",
    "汇诚",
    "慧康",
    "瑞禧",
    "百川",
    "宁远",
    "弘毅",
    "舒安",
)
BRANCHES = ("", "东院", "西院", "南院", "北院", "分院", "二部", "三部")

CHANNEL_KINDS = {
    "hospital": ("医院", "中西医结合医院", "妇幼保健院", "康复医院", "肿瘤医院"),
    "private_clinic": ("口腔诊所", "综合门诊部", "体检中心", "医疗美容门诊部", "眼科诊所"),
    "third_party_lab": ("医学检验实验室", "医学检验所", "病理诊断中心"),
}
# Relative share of customers per channel.
CHANNEL_WEIGHTS = {"hospital": 40, "private_clinic": 35, "third_party_lab": 25}

# Product lines each channel buys, with weights.
CHANNEL_PRODUCT_LINES = {
    "hospital": {"imaging": 50, "ivd_reagents": 25, "consumables": 25},
    "private_clinic": {"imaging": 20, "ivd_reagents": 20, "consumables": 60},
    "third_party_lab": {"imaging": 5, "ivd_reagents": 80, "consumables": 15},
}

# (code, name, series, list price in yuan); the generator writes list prices as Decimal.
PRODUCTS = {
    "imaging": (
        ("demo-img-us-01", "星衡彩色多普勒超声诊断系统", "星衡 U8", 1_280_000),
        ("demo-img-us-02", "星衡便携式超声诊断仪", "星衡 P3", 360_000),
        ("demo-img-dr-01", "数字化X射线摄影系统", "明影 DR500", 920_000),
        ("demo-img-ct-01", "16排螺旋CT", "明影 CT16", 4_500_000),
    ),
    "ivd_reagents": (
        ("demo-ivd-cl-01", "化学发光免疫分析试剂盒（年度供应）", "澄析 CL", 480_000),
        ("demo-ivd-bc-01", "生化检测试剂（年度供应）", "澄析 BC", 260_000),
        ("demo-ivd-hm-01", "血细胞分析试剂（年度供应）", "澄析 HM", 150_000),
        ("demo-ivd-pcr-01", "核酸检测试剂盒（年度供应）", "澄析 PCR", 620_000),
    ),
    "consumables": (
        ("demo-con-iv-01", "一次性使用输液器（年度供应）", "舒安 IV", 90_000),
        ("demo-con-bt-01", "真空采血管（年度供应）", "舒安 BT", 120_000),
        ("demo-con-dr-01", "医用敷料（年度供应）", "舒安 DR", 60_000),
        ("demo-con-ic-01", "留置针（年度供应）", "舒安 IC", 150_000),
    ),
}

CONTACT_TITLES = {
    "hospital": ("设备科科长", "检验科主任", "放射科主任", "采购办主任", "院长助理"),
    "private_clinic": ("院长", "运营总监", "采购主管", "诊所负责人"),
    "third_party_lab": ("实验室主任", "采购经理", "质量负责人", "技术总监"),
}

LEAD_SOURCES = ("展会", "官网咨询", "老客户转介绍", "学术会议", "企业微信", "电话咨询")


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)


def rng_for(seed: int, concept: str) -> random.Random:
    """Return a generator of its own for one concept, so adding draws in one module
    does not shift the numbers of another. String seeds hash the same in every process."""
    return random.Random(f"{seed}:{concept}")
