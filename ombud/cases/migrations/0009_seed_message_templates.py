"""Data: the zh-hans notification templates (cases/notify.py) and the reminder lead time.

Templates are Django templates rendered with a case's public fields (notify.case_context):
tracking_no, company, company_root, handler, regulator, by_regulator, city, due_date,
decision, reply, amount, level, reason, mediation_body; executives_told (regulator.overdue). They never see the consumer's name,
phone or ID number. Consumer texts are SMS signed 【保险消费者权益保护】; staff texts are
e-mails. An admin edits them (or switches one off) in the admin.
"""

from django.db import migrations

O2020 = "《银行业保险业消费投诉处理管理办法》(CBIRC Order 2020 No. 3)"
SIGN = "【保险消费者权益保护】"
DATE = '|date:"Y年n月j日"'
DECISION = (
    '{% if decision == "upheld" %}支持您的诉求'
    '{% elif decision == "partly_upheld" %}部分支持您的诉求'
    "{% else %}不支持您的诉求{% endif %}"
    "{% if amount %}，赔付金额{{ amount }}元{% endif %}"
)

TEMPLATES = [
    # code, audience, subject, body, source
    (
        "consumer.received",
        "consumer",
        "",
        SIGN + "您的投诉已收到，编号{{ tracking_no }}。{{ handler }}将于{{ due_date" + DATE + " }}前作出处理决定并告知您。"
        "如有疑问，可拨打12378银行保险消费者投诉维权热线。",
        O2020 + ": decision and notice within 15 days of receipt",
    ),
    (
        "consumer.accepted",
        "consumer",
        "",
        SIGN + "您的投诉（编号{{ tracking_no }}）已受理，{{ handler }}将于{{ due_date" + DATE + " }}前作出处理决定并告知您。",
        O2020,
    ),
    (
        "consumer.not_accepted",
        "consumer",
        "",
        SIGN + "您的投诉（编号{{ tracking_no }}）经审查不予受理，理由：{{ reason }}。"
        "如有异议，可拨打12378银行保险消费者投诉维权热线咨询。",
        O2020 + ": the complainant is told why a complaint is not accepted",
    ),
    (
        "consumer.extended",
        "consumer",
        "",
        SIGN + '您的投诉（编号{{ tracking_no }}）因{% if level == "especially_complex" %}情况特别复杂'
        "{% else %}情况复杂{% endif %}，处理期限延长至{{ due_date" + DATE + " }}。延长理由：{{ reason }}。",
        O2020 + ": an extension and its reason are told to the complainant",
    ),
    (
        "consumer.decided",
        "consumer",
        "",
        SIGN + "您的投诉（编号{{ tracking_no }}）已有处理决定：" + DECISION + "。{{ reply }}"
        "{% if by_regulator %}如有异议，可拨打12378银行保险消费者投诉维权热线咨询。"
        "{% else %}如对处理决定有异议，可自收到本决定之日起30日内向{{ company }}的上一级机构书面申请核查，"
        "也可申请调解，或依法申请仲裁、提起诉讼。{% endif %}",
        O2020 + ": the decision states the remedies (review within 30 days, mediation, arbitration, litigation)",
    ),
    (
        "consumer.review_requested",
        "consumer",
        "",
        SIGN + "您对投诉（编号{{ tracking_no }}）处理决定的核查申请已收到，将于{{ due_date" + DATE + " }}前作出核查决定并告知您。",
        O2020 + ": review decided within 30 days",
    ),
    (
        "consumer.review_decided",
        "consumer",
        "",
        SIGN + "您的投诉（编号{{ tracking_no }}）核查已有结果：" + DECISION + "。{{ reply }}"
        "如仍有异议，可申请调解，或依法申请仲裁、提起诉讼。",
        O2020,
    ),
    (
        "consumer.mediation",
        "consumer",
        "",
        SIGN + "您的投诉（编号{{ tracking_no }}）已转{{ mediation_body }}进行调解，调解组织将与您联系，请保持电话畅通。",
        "Mediation of insurance disputes (诉调对接)",
    ),
    (
        "consumer.closed",
        "consumer",
        "",
        SIGN + "您的投诉（编号{{ tracking_no }}）已办结，感谢您的理解与支持。",
        O2020,
    ),
    (
        "handler.reminder",
        "handler",
        "投诉案件{{ tracking_no }}将于{{ due_date" + DATE + " }}到期",
        "{{ company }}：\n\n投诉案件{{ tracking_no }}{% if city %}（{{ city }}）{% endif %}的处理期限为"
        "{{ due_date" + DATE + " }}，请在期限届满前作出处理决定并告知消费者；"
        "情况复杂确需延长的，请依规办理延期并告知消费者延长理由。\n\n本邮件由系统自动发送，请勿回复。",
        O2020 + ": decision and notice within the time limit",
    ),
    (
        "regulator.reminder",
        "regulator",
        "本局办理的投诉案件{{ tracking_no }}将于{{ due_date" + DATE + " }}到期",
        "投诉案件{{ tracking_no }}（{{ company }}{% if city %}，{{ city }}{% endif %}）由本局办理，"
        "处理期限为{{ due_date" + DATE + " }}，请在期限届满前办结并告知投诉人。\n\n本邮件由系统自动发送，请勿回复。",
        "《银行保险违法行为举报处理办法》 and " + O2020,
    ),
    (
        "executive.overdue",
        "executive",
        "投诉案件{{ tracking_no }}已超过处理期限",
        "{{ company }}负责同志：\n\n投诉案件{{ tracking_no }}{% if city %}（{{ city }}）{% endif %}的处理期限已于"
        "{{ due_date" + DATE + " }}届满，至今尚未办结。该案已同时报送{{ regulator|default:'监管部门' }}。"
        "请督促尽快作出处理决定并告知消费者。\n\n本邮件由系统自动发送，请勿回复。",
        O2020 + ": the institution's senior management is responsible for complaint handling",
    ),
    (
        "regulator.overdue",
        "regulator",
        "投诉案件{{ tracking_no }}已超过处理期限",
        "投诉案件{{ tracking_no }}（{{ company }}{% if city %}，{{ city }}{% endif %}）的处理期限已于"
        "{{ due_date" + DATE + " }}届满，至今尚未办结。"
        "{% if by_regulator %}该案由本局办理，请尽快办结并告知投诉人。"
        "{% elif executives_told %}已同时提醒公司负责人督办，请关注并视情督促。"
        "{% else %}该公司未登记可接收提醒的负责人，请督促公司尽快处理。{% endif %}\n\n本邮件由系统自动发送，请勿回复。",
        O2020 + ": the regulator supervises complaint handling",
    ),
]

REMINDER_RULE = {
    "code": "alert.reminder",
    "name_zh": "期限届满前提醒",
    "name_en": "Reminder before a deadline",
    "days": 2,
    "unit": "working",
    "roll_to_working_day": True,
    "source": "Ombud practice: handlers are reminded when two working days remain (docs/notifications.md)",
    "status": "U",
}


def load(apps, schema_editor):
    MessageTemplate = apps.get_model("cases", "MessageTemplate")
    for code, audience, subject, body, source in TEMPLATES:
        MessageTemplate.objects.update_or_create(
            code=code, defaults={"audience": audience, "subject": subject, "body": body, "source": source}
        )
    rule = dict(REMINDER_RULE)
    apps.get_model("cases", "DeadlineRule").objects.update_or_create(code=rule.pop("code"), defaults=rule)


def unload(apps, schema_editor):
    Notification = apps.get_model("cases", "Notification")
    used = set(Notification.objects.values_list("template_id", flat=True).distinct())
    codes = [t[0] for t in TEMPLATES if t[0] not in used]  # sent messages keep their template
    apps.get_model("cases", "MessageTemplate").objects.filter(code__in=codes).delete()
    apps.get_model("cases", "DeadlineRule").objects.filter(code=REMINDER_RULE["code"]).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0008_alerts_notifications_attachments")]
    operations = [migrations.RunPython(load, unload)]
