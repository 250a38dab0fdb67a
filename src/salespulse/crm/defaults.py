"""Reference data every workspace starts with; ops can add more."""

CHANNELS = [
    ("hospital", "医院", "Hospital"),
    ("private_clinic", "民营诊所", "Private clinic"),
    ("third_party_lab", "第三方检验中心", "Third-party lab"),
]

PRODUCT_LINES = [
    ("imaging", "影像设备", "Imaging equipment"),
    ("ivd_reagents", "IVD试剂", "IVD reagents"),
    ("consumables", "医用耗材", "Consumables"),
]

CUSTOMER_TIERS = [("a", "A类"), ("b", "B类"), ("c", "C类")]
