"""A playbook of 26 talk tracks for ranking tests, keyed by a short name.

Several tracks share words with the LIS track in other senses (系统, 设备, 兼容, 对接,
接不进去): the PACS and HIS interface tracks, reagent compatibility, the automation
line, data migration and system stability. A plain bigram matcher ranks the PACS track
first for 设备和现有LIS系统不兼容, which ``test_ranking`` checks.
"""

from salespulse.pipeline.models import ObjectionCategory as C

TRACKS: dict[str, tuple[str, str, str, str]] = {
    # name: (category, title, customer's words, response script)
    "lis_interface": (
        C.COMPATIBILITY,
        "与医院LIS对接",
        "你们的仪器能和我们检验科的LIS连上吗？结果传不过去我们不敢用。",
        "我们的分析仪支持HL7和ASTM双向通讯，已在全省40多家医院完成LIS接口联调，工程师免费上门调试。",
    ),
    "pacs_interface": (
        C.COMPATIBILITY,
        "超声图像上传PACS",
        "彩超的图像能不能传到医院现有的PACS影像系统？和现有系统兼容吗？",
        "设备支持DICOM 3.0标准，可直接推送到PACS，信息科只需配置AE Title。",
    ),
    "his_orders": (
        C.COMPATIBILITY,
        "HIS开单自动下发",
        "医生在HIS系统里开的检查单，能自动下发到设备吗？",
        "通过HIS中间件接收医嘱，扫码即可调取患者信息，无需手工录入。",
    ),
    "reagent_closed": (
        C.COMPATIBILITY,
        "试剂是否封闭",
        "你们的设备只能用原厂试剂吗？我们现在用的试剂不兼容怎么办？",
        "仪器为开放系统，常规项目支持第三方试剂，我们提供参数设置与比对验证服务。",
    ),
    "automation_line": (
        C.COMPATIBILITY,
        "接入现有流水线",
        "我们检验科已经上了别家的流水线，你们的设备接不进去吧？",
        "我们提供独立轨道接口方案，也可作为流水线旁的独立单机运行，不影响现有流程。",
    ),
    "room_power": (
        C.COMPATIBILITY,
        "场地和电源条件",
        "科室面积小，设备放不下，电源和上下水也不一定满足。",
        "我们安排工程师免费现场勘查，设备占地不到一平方米，普通220V电源即可。",
    ),
    "data_migration": (
        C.OTHER,
        "旧设备数据迁移",
        "旧设备里的历史数据能不能导到新系统？",
        "我们提供历史数据导出与导入工具，由工程师协助完成迁移和核对。",
    ),
    "price_high": (
        C.PRICE,
        "价格太高",
        "你们的价格比别家贵不少，性价比不高。",
        "单看设备价格我们不占优，但按五年总拥有成本算，单个测试成本低15%，这是测算表。",
    ),
    "discount": (
        C.PRICE,
        "要求降价",
        "报价能不能再降一点？给个折扣我们就定了。",
        "价格是全国统一的，但我们可以在培训、备件和延保上给贵院更多支持。",
    ),
    "consumable_cost": (
        C.PRICE,
        "耗材成本",
        "试剂和耗材太费钱，一个检测项目算下来不划算。",
        "我们按月用量给阶梯价，并协助科室优化批量检测，实际单测成本可降低。",
    ),
    "no_budget": (
        C.BUDGET,
        "今年没有预算",
        "科室今年的预算已经用完了，采购要等明年。",
        "可以先走试用或租赁方案，明年预算下来再转采购，不耽误开展项目。",
    ),
    "funding_wait": (
        C.BUDGET,
        "等待财政拨款",
        "这台设备要等财政专项资金批下来才能买。",
        "我们可以协助准备论证材料，帮助科室尽快完成资金申报。",
    ),
    "payment_terms": (
        C.OTHER,
        "账期要求",
        "你们要求的付款周期太短，医院回款一般要一年。",
        "我们可以与商业公司配合，提供更长账期的方案，并签订分期付款协议。",
    ),
    "loyal_roche": (
        C.COMPETITOR,
        "一直用进口品牌",
        "我们一直用进口品牌，用惯了，为什么要换？",
        "我们不要求马上替换，可以先在急诊或分院并行使用一台，对比结果再决定。",
    ),
    "domestic_doubt": (
        C.COMPETITOR,
        "对国产品牌不放心",
        "国产设备我们不放心，还是别的品牌更靠谱。",
        "我们的产品已进入300多家三甲医院，这是同级医院的使用报告和室间质评结果。",
    ),
    "accuracy": (
        C.QUALITY,
        "检测结果准确性",
        "你们检测结果准不准？重复性怎么样？",
        "我们提供性能验证报告，CV小于3%，也可以在科室做样本比对。",
    ),
    "stability": (
        C.QUALITY,
        "设备稳定性",
        "设备故障多不多？系统运行稳定吗？",
        "近三年平均无故障运行时间超过5000小时，关键部件都有冗余设计。",
    ),
    "throughput": (
        C.QUALITY,
        "检测速度",
        "高峰期样本多，你们的设备速度跟不上。",
        "单机每小时400测试，支持急诊插队，可满足日均2000样本的需求。",
    ),
    "service_slow": (
        C.SERVICE,
        "售后响应慢",
        "以前的设备坏了，售后很久都没人来修。",
        "我们在本市有驻地工程师，承诺4小时响应、24小时到场，写进合同。",
    ),
    "engineer_visit": (
        C.SERVICE,
        "工程师上门时间",
        "出了问题，你们工程师多久能到医院？",
        "本地服务站两名工程师，市区2小时内到场，远程诊断随时可用。",
    ),
    "tender": (
        C.APPROVAL,
        "招标流程长",
        "这个要走公开招标，流程很长。",
        "我们熟悉招标流程，可以提供参数建议和资质文件，配合科室准备。",
    ),
    "committee": (
        C.APPROVAL,
        "院内审批",
        "设备科和院办那边审批通不过。",
        "我们可以准备效益分析和临床需求论证，协助科室在院务会上汇报。",
    ),
    "training": (
        C.OTHER,
        "操作培训",
        "操作太复杂了，科室人员学不会。",
        "我们提供驻场培训两周，并有中文操作视频，一般三天即可独立操作。",
    ),
    "supply": (
        C.SERVICE,
        "供货保障",
        "试剂供货不及时，断货了怎么办？",
        "本地仓库常备三个月库存，紧急订单24小时内送达。",
    ),
    "think_later": (
        C.OTHER,
        "考虑一下再说",
        "我们再考虑考虑，过段时间再说吧。",
        "理解，您主要在考虑哪方面？我整理一份对比资料，下周三给您送过去。",
    ),
    "courtesy_visit": (
        C.OTHER,
        "拜访贵院检验科",
        "主任最近很忙，没时间听介绍。",
        "我们可以约十五分钟，带上贵院同级医院的使用数据，简短汇报。",
    ),
}
