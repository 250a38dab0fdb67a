"""The default medical-device pipeline, shipped as data and installed by a migration."""

from django.utils import timezone

MEDICAL_DEVICE_PIPELINE = {
    "code": "medical_device",
    "name": "医疗器械标准流程",
    "name_en": "Medical device standard process",
    "stages": [
        # (code, 中文, English, kind, win probability %)
        ("initial_contact", "初步接洽", "Initial contact", "open", 5),
        ("needs_analysis", "需求确认", "Needs analysis", "open", 15),
        ("solution_demo", "方案演示", "Solution demo", "open", 30),
        ("tech_evaluation", "技术评估", "Technical evaluation", "open", 45),
        ("negotiation", "商务谈判", "Price negotiation", "open", 60),
        ("contract_drafting", "合同拟定", "Contract drafting", "open", 80),
        ("won", "赢单", "Won", "won", 100),
        ("lost", "输单", "Lost", "lost", 0),
    ],
    "document_types": [
        # (code, 中文, English)
        ("tech_confirmation", "技术参数确认书（签字扫描件）", "Signed technical confirmation"),
        ("quotation", "报价单", "Quotation"),
        ("contract", "合同", "Contract"),
    ],
    "gates": {
        # Before contract drafting: the customer's signed technical confirmation and three
        # objections raised in the preceding stage, each with the rep's response.
        "contract_drafting": {
            "all": [
                {"type": "attachment", "document_type": "tech_confirmation", "min": 1},
                {"type": "objections", "min": 3, "with_response": True},
            ]
        },
    },
}

# The stage a manager looks at first for price losses.
PRICE_NEGOTIATION_STAGE = "negotiation"


def install_pipeline(
    pipeline_model, stage_model, definition: dict, *, is_default: bool, gate_model=None, document_type_model=None
) -> object:
    """Create or update a pipeline, its stages and (given the models) its gates (idempotent)."""
    pipeline, _ = pipeline_model.objects.update_or_create(
        code=definition["code"],
        defaults={"name": definition["name"], "name_en": definition["name_en"], "is_default": is_default},
    )
    for position, (code, name, name_en, kind, probability) in enumerate(definition["stages"], start=1):
        stage_model.objects.update_or_create(
            pipeline=pipeline,
            code=code,
            defaults={"name": name, "name_en": name_en, "position": position * 10, "kind": kind,
                      "probability": probability},
        )
    if document_type_model is not None:
        for code, name, name_en in definition.get("document_types", []):
            document_type_model.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en})
    if gate_model is not None:
        for stage_code, rule in definition.get("gates", {}).items():
            stage = stage_model.objects.get(pipeline=pipeline, code=stage_code)
            gate_model.objects.update_or_create(
                stage=stage, defaults={"rule": rule, "enabled": True, "enabled_at": timezone.now()}
            )
    return pipeline
