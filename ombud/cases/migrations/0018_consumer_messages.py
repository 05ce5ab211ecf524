"""Data: consumer messages a consumer can trust (issue 10, item 6).

- No SMS promises a date that has passed: `received`, `accepted`, `extended` and
  `review_requested` say so when the case is overdue (`overdue`, computed when the text is
  rendered: notify.case_context) and what the consumer can do — the hotline, the regulator.
- The decision texts (`decided`, `review_decided`) are short (two SMS segments, at most 140
  characters) and carry the tracking address (`tracking_url`): the letter itself is on the
  consumer's case page, no longer pasted into the SMS.
- The hotline is `{{ hotline }}` (settings.OMBUD_HOTLINE), not a number written in each text.

`unload` puts back the texts of 0009.
"""

from django.db import migrations

SIGN = "【保险消费者权益保护】"
DATE = '|date:"Y年n月j日"'
DUE = "{{ due_date" + DATE + " }}"
DECISION = (
    '{% if decision == "upheld" %}支持您的诉求'
    '{% elif decision == "partly_upheld" %}部分支持您的诉求'
    "{% else %}不支持您的诉求{% endif %}"
    "{% if amount %}，赔付金额{{ amount }}元{% endif %}"
)
# What a consumer whose case is overdue can do (Order 2020 No. 3: the regulator supervises).
OVERDUE = "处理期限已于" + DUE + "届满，尚未办结。如需帮助，可拨打{{ hotline }}热线或向{{ regulator|default:'监管部门' }}反映。"

TEXTS = {
    "consumer.received": SIGN + "您的投诉已收到，编号{{ tracking_no }}。"
    "{% if overdue %}" + OVERDUE + "{% elif due_date %}{{ handler }}将于" + DUE + "前作出处理决定并告知您。"
    "如有疑问，可拨打{{ hotline }}热线。{% endif %}查询进度：{{ tracking_url }}",
    "consumer.accepted": SIGN + "您的投诉（编号{{ tracking_no }}）已受理。"
    "{% if overdue %}" + OVERDUE + "{% else %}{{ handler }}将于" + DUE + "前作出处理决定并告知您。{% endif %}",
    "consumer.extended": SIGN + '您的投诉（编号{{ tracking_no }}）因{% if level == "especially_complex" %}情况特别复杂'
    "{% else %}情况复杂{% endif %}，处理期限延长至" + DUE + "。延长理由：{{ reason }}。"
    "{% if overdue %}该期限已届满，尚未办结。如需帮助，可拨打{{ hotline }}热线或向{{ regulator|default:'监管部门' }}反映。{% endif %}",
    "consumer.decided": SIGN + "您的投诉{{ tracking_no }}已有处理决定：" + DECISION + "。决定书见{{ tracking_url }}"
    "{% if by_regulator %}，如有疑问请拨打{{ hotline }}。{% else %}，如有异议可在30日内申请核查。{% endif %}",
    "consumer.review_requested": SIGN + "您对投诉（编号{{ tracking_no }}）处理决定的核查申请已收到，"
    "{% if overdue %}核查期限已于" + DUE + "届满，尚未办结。如需帮助，可拨打{{ hotline }}热线。"
    "{% else %}将于" + DUE + "前作出核查决定并告知您。{% endif %}",
    "consumer.review_decided": SIGN + "您的投诉{{ tracking_no }}核查已有结果：" + DECISION + "。核查决定见{{ tracking_url }}"
    "，仍有异议可申请调解、仲裁或诉讼。",
}


def load(apps, schema_editor):
    MessageTemplate = apps.get_model("cases", "MessageTemplate")
    for code, body in TEXTS.items():
        MessageTemplate.objects.filter(code=code).update(body=body)


def unload(apps, schema_editor):
    from importlib import import_module

    seed = import_module("ombud.cases.migrations.0009_seed_message_templates")
    before = {code: body for code, _audience, _subject, body, _source in seed.TEMPLATES}
    MessageTemplate = apps.get_model("cases", "MessageTemplate")
    for code in TEXTS:
        MessageTemplate.objects.filter(code=code).update(body=before[code])


class Migration(migrations.Migration):
    dependencies = [("cases", "0017_supplement_restarts")]
    operations = [migrations.RunPython(load, unload)]
