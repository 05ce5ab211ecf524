"""Seed generic zh-hans reply templates shared by every handler (organization empty).

A reply must say how the complaint was verified, the basis and reasons of the decision, and
the remedies left: a review (核查) by the higher-level institution within 30 days, mediation,
arbitration or litigation (RULES.md, CBIRC Order 2020 No. 3). Placeholders filled by the case
page: {tracking_no}, {received_date}, {company}; the bracketed blanks ［…］ are the handler's.
Companies add their own in the admin; these can be edited or deactivated there.
"""

from django.db import migrations

REMEDIES = (
    "如您对上述处理意见仍有异议，可自收到本答复之日起30日内向我司上级机构书面申请核查，"
    "也可向保险纠纷调解组织申请调解，或依法申请仲裁、向人民法院提起诉讼。"
)

TEMPLATES = [
    (
        "投诉成立：同意赔付",
        "upheld",
        "尊敬的客户：\n\n"
        "您好！您于{received_date}提出的投诉（编号：{tracking_no}）我司已收悉。经调阅保单、理赔材料并与您核实情况，"
        "现答复如下：\n\n"
        "一、核查情况：［简述核实的过程和查明的事实］。\n"
        "二、处理意见：您的投诉事项成立。我司同意按照保险合同约定向您支付［保险金／退还保费］人民币［金额］元，"
        "将于［日期］前转入您指定的账户。\n"
        "三、改进措施：我司已对［相关环节］进行整改，对给您带来的不便深表歉意。\n\n"
        "{remedies}\n\n"
        "感谢您对我司工作的理解与监督。\n\n{company}",
    ),
    (
        "投诉成立：服务改进（不涉及赔付）",
        "upheld",
        "尊敬的客户：\n\n"
        "您好！您于{received_date}反映的［服务态度／电话销售打扰／手续办理］问题（编号：{tracking_no}）我司已收悉。"
        "经调取录音、询问相关人员，情况属实，您的投诉事项成立。\n\n"
        "我司已对相关人员进行批评教育并作出［处理措施］，同时［将您的号码列入拒绝营销名单／为您办理相关手续］。"
        "对给您造成的困扰，我们诚恳致歉。\n\n"
        "{remedies}\n\n{company}",
    ),
    (
        "投诉部分成立：协商处理",
        "partly_upheld",
        "尊敬的客户：\n\n"
        "您好！您于{received_date}提出的投诉（编号：{tracking_no}）我司已收悉。经核实，现答复如下：\n\n"
        "一、成立部分：［说明哪些诉求成立及依据］，我司同意向您支付人民币［金额］元。\n"
        "二、不成立部分：［说明哪些诉求不成立］。根据《［保险条款名称］》第［ ］条约定：“［条款原文］”，"
        "该部分不属于保险责任范围。\n"
        "三、上述款项将于［日期］前转入您指定的账户。\n\n"
        "{remedies}\n\n{company}",
    ),
    (
        "投诉不成立：依据合同条款",
        "not_upheld",
        "尊敬的客户：\n\n"
        "您好！您于{received_date}提出的投诉（编号：{tracking_no}）我司已收悉。我司调阅了投保资料、保险合同和"
        "［理赔／保全］材料，并与您进行了沟通，现答复如下：\n\n"
        "一、核查情况：［简述查明的事实］。\n"
        "二、处理依据：根据《［保险条款名称］》第［ ］条约定：“［条款原文］”。［说明条款如何适用于本案］。\n"
        "三、处理意见：综上，您的投诉事项不成立，我司维持原处理决定。我们理解您的心情，"
        "如您有新的材料或事实，欢迎随时提供，我司将重新审核。\n\n"
        "{remedies}\n\n{company}",
    ),
    (
        "核查答复：维持原处理意见",
        "not_upheld",
        "尊敬的客户：\n\n"
        "您好！您对编号为{tracking_no}的投诉处理意见提出的核查申请，我司上级机构已收悉并进行了复核。\n\n"
        "一、核查过程：［说明调阅的材料、询问的人员］。\n"
        "二、核查结论：原处理意见认定事实清楚，适用条款［条款名称及条款号］正确，予以维持。\n\n"
        "如您仍有异议，可向保险纠纷调解组织申请调解，或依法申请仲裁、向人民法院提起诉讼。\n\n{company}",
    ),
]


def seed(apps, schema_editor):
    ReplyTemplate = apps.get_model("cases", "ReplyTemplate")
    for title, decision, body in TEMPLATES:
        if not ReplyTemplate.objects.filter(organization__isnull=True, title=title).exists():
            ReplyTemplate.objects.create(
                organization=None,
                title=title,
                decision=decision,
                body=body.replace("{remedies}", REMEDIES),
                is_active=True,
            )


def unseed(apps, schema_editor):
    ReplyTemplate = apps.get_model("cases", "ReplyTemplate")
    ReplyTemplate.objects.filter(organization__isnull=True, title__in=[t[0] for t in TEMPLATES]).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0009_seed_message_templates")]
    operations = [migrations.RunPython(seed, unseed)]
