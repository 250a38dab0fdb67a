import datetime as dt

from salespulse.signals.connectors.mail import decode_encoded_words, split_quoted
from tests.signals.helpers import CN_EMAIL, IMAP_TOOLS, SHANGHAI, errors, local, messages, records


def _mail(name, folder=CN_EMAIL):
    [message] = messages(records(folder / name))
    return message


def _people(refs):
    return [(ref.display_name, ref.value) for ref in refs]


def test_foxmail_gb2312_quoted_names_and_rfc2047_attachment():
    mail = _mail("01_foxmail_gb2312_quote_with_gbk_csv_attachment.eml")

    assert mail.subject == "关于生化试剂报价（2025年3月5日）"
    assert _people([mail.sender]) == [("陈一鸣", "chen.yiming@qinghe-med.example")]
    assert _people(mail.recipients) == [
        ("刘老师（设备科）", "liu.caigou@hospital-a.example"),
        ("销售经理", "sales-manager@qinghe-med.example"),
    ]
    assert local(mail.sent_at) == dt.datetime(2025, 3, 5, 10, 21, 5, tzinfo=SHANGHAI)
    assert mail.attachments == [
        {"name": "报价单_青禾医疗_2025年3月5日.csv", "size": 179, "content_type": "application/octet-stream"}
    ]
    assert mail.text.startswith("刘老师：\n\n您好！附件是我司生化试剂")
    assert "合计约 38.4万" in mail.text
    assert mail.quoted_text == ""
    assert mail.dedupe_key == "email:202503051021050115601@qinghe-med.example"


def test_qqmail_gb18030_name_with_gbk_only_character():
    mail = _mail("02_qqmail_gb18030_budget_competitor_sample_approval.eml")

    assert mail.subject == "回复：关于生化试剂报价（2025年3月5日）"
    assert _people([mail.sender]) == [("王喆", "100000001@qq.example")]
    assert _people(mail.recipients) == [("陈一鸣", "chen.yiming@qinghe-med.example")]
    assert local(mail.sent_at) == dt.datetime(2025, 3, 6, 16, 2, 33, tzinfo=SHANGHAI)
    assert mail.text.startswith("陈经理您好：\n\n报价收到。我们科室今年这块预算只有30万左右")
    assert mail.text.endswith("王喆\n江南区人民医院（示例）检验科")
    assert mail.attachments == []
    assert mail.payload["in_reply_to"] == "202503051021050115601@qinghe-med.example"


def test_coremail_gbk_q_subject_qp_body_rfc2231_filename():
    mail = _mail("03_coremail_gbk_qp_body_rfc2231_filename.eml")

    assert mail.subject == "样品已发出 / 交货期与付款方式"
    assert _people([mail.sender]) == [("陈一鸣", "chen.yiming@qinghe-med.example")]
    assert _people(mail.recipients) == [("王喆", "100000001@qq.example")]
    assert local(mail.sent_at) == dt.datetime(2025, 3, 10, 9, 30, 12, tzinfo=SHANGHAI)
    assert mail.attachments == [{"name": "样品发货单_SF.pdf", "size": 60, "content_type": "application/pdf"}]
    assert "运单号 SF0000000000000，预计3月10日送达。" in mail.text
    assert "价格方面我们最多可以让到1,200元/盒（原报价1,280元/盒），请您参考。" in mail.text


def test_outlook_gb2312_label_with_gbk_bytes_and_quoted_reply():
    mail = _mail("04_outlook_zhcn_reply_gb2312_label_but_gbk_bytes.eml")

    assert mail.subject == "答复: 回复：关于生化试剂报价（2025年3月5日）"
    assert _people([mail.sender]) == [("陈一鸣", "chen.yiming@qinghe-med.example")]
    assert _people(mail.recipients) == [
        ("王喆", "100000001@qq.example"),
        ("Sales Manager", "sales-manager@qinghe-med.example"),
    ]
    assert mail.sent_at == dt.datetime(2025, 3, 12, 1, 45, 10, tzinfo=dt.UTC)
    assert mail.text == (
        "王主任，\n\n已与公司申请特价：肝功能八项 1,180元/盒，300盒，合计35.4万，在贵院预算附近。\n"
        "我司大区经理赵镕下周二（3月18日）可到院拜访，当面沟通院长办公会所需材料（三证、注册证、授权书）。\n\n陈一鸣"
    )
    assert mail.quoted_text.startswith("发件人: 王喆 <100000001@qq.example>\n发送时间: 2025年3月6日 16:02")
    assert mail.quoted_text.endswith("我们科室今年这块预算只有30万左右……")


def test_oa_raw_8bit_gbk_headers():
    mail = _mail("05_oa_daily_report_raw_8bit_gbk_headers.eml")

    assert mail.subject == "【销售日报】2025年3月14日 华东区 回款12.5万 新增商机3个"
    assert _people([mail.sender]) == [("华东区销售日报", "oa-notify@distributor-b.example")]
    assert _people(mail.recipients) == [("销售管理部", "sales-ops@distributor-b.example")]
    assert local(mail.sent_at) == dt.datetime(2025, 3, 14, 17, 5, tzinfo=SHANGHAI)
    assert mail.text.startswith("日期：2025年3月14日\n区域：华东区")
    assert "| 孙晓雯 | 北辰县中医院（示例） | 回款 | 12.5万 | 回款 |" in mail.text


def test_utf8_character_split_across_encoded_words():
    mail = _mail("06_utf8_split_multibyte_encoded_word_emoji.eml")

    assert mail.subject == "合同已盖章👍 请安排发货"
    assert _people([mail.sender]) == [("王喆", "100000001@qq.example")]
    assert _people(mail.recipients) == [("", "chen.yiming@qinghe-med.example")]
    assert local(mail.sent_at) == dt.datetime(2025, 3, 18, 11, 20, 45, tzinfo=SHANGHAI)
    assert mail.text == (
        "陈经理：\n合同（金额：叁拾伍万肆仟元整 ¥354,000.00）已盖章扫描回传，原件明天寄出 📎\n"
        "请安排4月1日前交货，发票抬头：江南区人民医院（示例）。\n谢谢！🙏"
    )


def test_mbox_holds_the_six_messages():
    items = records(CN_EMAIL / "cn_b2b_thread.mbox")

    assert errors(items) == []
    assert [item.subject for item in messages(items)] == [
        "关于生化试剂报价（2025年3月5日）",
        "回复：关于生化试剂报价（2025年3月5日）",
        "样品已发出 / 交货期与付款方式",
        "答复: 回复：关于生化试剂报价（2025年3月5日）",
        "【销售日报】2025年3月14日 华东区 回款12.5万 新增商机3个",
        "合同已盖章👍 请安排发货",
    ]
    assert [item.line for item in messages(items)] == [2, 49, 93, 139, 168, 190]


def test_mbox_messages_dedupe_like_the_eml_files():
    from_mbox = [item.dedupe_key for item in messages(records(CN_EMAIL / "cn_b2b_thread.mbox"))]
    from_files = [_mail(path.name).dedupe_key for path in sorted(CN_EMAIL.glob("*.eml"))]

    assert from_mbox == from_files


def test_mbox_unescapes_from_lines(tmp_path):
    path = tmp_path / "escaped.mbox"
    path.write_bytes(
        b"From a@b Thu Mar 20 08:00:00 2025\nFrom: a@b.example\nSubject: x\nMessage-ID: <e1@b>\n\n"
        b">From the hospital: ok\n\n"
        b"From a@b Thu Mar 20 08:00:01 2025\nFrom: c@d.example\nMessage-ID: <e2@b>\n\nsecond\n"
    )

    first, second = messages(records(path))

    assert first.text == "From the hospital: ok"
    assert second.text == "second"


def test_big5_raw_subject_decoded():
    mail = _mail("big5_raw8bit_subject_empty_cte.eml", IMAP_TOOLS)

    assert (
        mail.subject
        == "4d8119\u3000(大補泡麵專賣) 大家說英語 每日聽MP3 (2004年6月份) 繁體中文光碟版 (英語教學)\u30008afb90"
    )
    assert _people([mail.sender]) == [("", "user04@mail04.example")]
    assert mail.payload["html_only"] is True
    assert mail.text.endswith("Yahoo! 工具列 - 內置防止彈出視窗工能！\nhttp://toolbar.yahoo.com.hk")
    assert mail.dedupe_key == "email:11107978796724623"


def test_split_words_with_empty_word():
    mail = _mail("split_encoded_words_with_empty_word.eml", IMAP_TOOLS)

    assert mail.subject == "SurveySite.com:  You have a survey waiting!  91123105"
    assert _people([mail.sender]) == [("SurveySite & Dana Ellery", "user08@mail08.example")]
    assert mail.sent_at == dt.datetime(2010, 12, 15, 17, 21, 20, tzinfo=dt.UTC)
    assert mail.text.startswith("You have a survey waiting!")


def test_blank_line_inside_folded_to():
    mail = _mail("web_lead_adf_xml_blank_line_in_to.eml", IMAP_TOOLS)

    assert mail.subject == "[Online Lead] Online Lead #1111111"
    assert [ref.value for ref in mail.recipients] == [
        "user14@mail14.example",
        "user15@mail15.example",
        "user16@mail16.example",
        "user11@mail11.example",
        "user17@mail17.example",
        "user18@mail18.example",
    ]
    assert mail.text.startswith('<?xml version="1.0" encoding="UTF-8"?>')


def test_duplicate_content_type_reads_first_text():
    mail = _mail("duplicate_content_type_header.eml", IMAP_TOOLS)

    assert mail.subject == "Redacted"
    assert mail.text == "foo"
    assert mail.payload["date_missing"] is True
    assert mail.sent_at is None


def test_rfc2231_iso2022jp_attachment_name():
    mail = _mail("rfc2231_iso2022jp_attachment_name.eml", IMAP_TOOLS)

    assert mail.subject == "Fwd: Signed email causes file attachments"
    assert mail.text == "We should not include these files or vcards as attachments."
    assert mail.quoted_text.startswith("---------- Forwarded message ----------")
    [attachment] = mail.attachments
    assert attachment["name"].startswith("01 Quien Te Dij")
    assert attachment["name"].endswith("at. Pitbull.mp3")
    assert attachment["size"] == 399


def test_iso2022jp_body_with_utf8_headers():
    mail = _mail("iso2022jp_body_utf8_encoded_headers.eml", IMAP_TOOLS)

    assert mail.subject == "まみむめも"
    assert _people(mail.recipients) == [("みける", "user29@mail29.example")]
    assert mail.text == "すみません。"
    assert mail.dedupe_key.startswith("email:sha256:")


def test_empty_eml_reported(tmp_path):
    path = tmp_path / "empty.eml"
    path.write_bytes(b"")

    [error] = errors(records(path))

    assert error.line == 1
    assert "empty" in error.reason


def test_html_only_body_becomes_text(tmp_path):
    path = tmp_path / "html.eml"
    path.write_bytes(
        "From: a@b.example\nSubject: hi\nContent-Type: text/html; charset=utf-8\n\n"
        "<div>王主任您好：</div><div>预算<b>30万</b>已批</div><p>谢谢</p>".encode()
    )

    assert messages(records(path))[0].text == "王主任您好：\n预算30万已批\n谢谢"


def test_qq_mail_original_message_separator():
    text = '好的，收到\n\n------------------ 原始邮件 ------------------\n发件人: "王喆"<a@b>\n主题: 报价'

    assert split_quoted(text) == (
        "好的，收到",
        '------------------ 原始邮件 ------------------\n发件人: "王喆"<a@b>\n主题: 报价',
    )


def test_adjacent_words_joined_before_decoding():
    assert decode_encoded_words("=?UTF-8?B?5ZCI5ZCM5Q==?= =?UTF-8?B?t7Lnm5bnq6A=?=") == "合同已盖章"
