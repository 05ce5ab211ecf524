"""Generated texts of what happened after a complaint: decisions and replies to the consumer,
reviews (核查), mediations, extensions, the regulator's findings, spot-check reasons,
call-back comments, and typical cases (典型案例).

Like `texts`, all of it is generated from templates and a vocabulary: no sentence records a
real case. Amounts are in yuan (`Decimal`, 2 places), sized by the insurance line
(`texts.AMOUNTS`) and the complaint's issue (`texts.ISSUES`).
"""

from __future__ import annotations

import random
import re
from datetime import date
from decimal import Decimal

from ombud.demo import texts

UPHELD, PARTLY, NOT_UPHELD = "upheld", "partly_upheld", "not_upheld"

# What the company pays when it gives in, by issue; "" when nothing is paid.
PAYMENTS = {
    "claim_amount": "补赔款",
    "claim_liability": "保险金",
    "claim_delay": "理赔款",
    "misselling": "全额退保款",
    "surrender": "退保差额",
    "servicing": "满期金及利息",
    "underwriting": "应退保费",
    "telesales": "应退保费",
    "attitude": "",
}

# Why a company keeps its first answer, by issue.
NOT_UPHELD_GROUNDS = {
    "claim_amount": (
        "损失金额已按保险条款和当地维修市场价格核定，核定依据已书面告知",
        "扣除的费用属于条款约定的社保目录外费用和免赔额，投保时已在投保单上作出提示",
    ),
    "claim_liability": (
        "事故原因属于保险条款明确列明的责任免除情形，投保时已对免责条款作出提示和明确说明",
        "被保险人投保前已确诊相关疾病而未如实告知，公司依法解除合同并退还保单现金价值",
    ),
    "claim_delay": (
        "案件需要公安机关出具的事故责任认定书，材料齐全后公司已在法定时限内核定赔付",
        "理赔材料于近日方才补齐，公司已在收齐材料后十日内作出核定",
    ),
    "misselling": (
        "调取的投保资料、电话回访录音及双录影像显示，销售人员已说明产品性质、缴费期限和退保损失",
        "投保人在犹豫期后申请退保，退保金已按保单现金价值计算",
    ),
    "surrender": (
        "退保金已按合同约定的现金价值计算并支付，不存在少付情形",
        "保单已过犹豫期，全额退还保费缺乏合同依据",
    ),
    "servicing": ("保单变更需投保人本人到柜面办理或提供经公证的委托书，符合公司规定",),
    "underwriting": ("核保结论依据体检结果和公司核保规则作出，符合相关规定",),
    "telesales": ("通话录音显示投保人在电话中明确同意投保并确认了扣费账户",),
    "attitude": ("调取的柜面监控和通话录音未发现工作人员存在态度恶劣的情形",),
}

UPHELD_REPLIES = (
    "经核查，您反映的情况属实。{company}已于{paid_on}向您支付{what}{amount}，并就处理不及时向您致歉。",
    "经重新审核理赔材料，{company}认定本案属于保险责任，已按合同约定支付{what}{amount}，款项已转入您指定的银行账户。",
    "经核查，您的诉求合理。{company}同意支付{what}{amount}，并对相关责任人员作出内部处理。",
)
PARTLY_NO_MONEY = (
    "经核查，您反映的问题部分属实。{company}已对相关人员进行批评教育，并向您致歉；其余反映事项经核实与事实不符。",
)
UPHELD_NO_MONEY = (
    "经核查，您反映的情况属实。{company}已对相关人员进行批评教育并调整其服务岗位，向您书面致歉，承诺改进服务。",
    "经核查，您反映的问题属实。{company}已将您的号码列入禁止呼叫名单，停止一切营销来电，并向您致歉。",
)
PARTLY_REPLIES = (
    "经核查，您反映的问题部分属实。根据保险条款约定，{company}同意支付{what}{amount}；超出合同约定的部分不予支持。"
    "如对处理结果有异议，您可在收到本答复之日起30日内申请核查，或向广东保险纠纷调解中心申请调解。",
    "经复核，{company}同意在原处理基础上增加支付{what}{amount}，其余诉求因缺乏合同依据不予支持。"
    "如有异议，可申请核查或调解。",
)
NOT_UPHELD_REPLIES = (
    "经核查，{ground}，您的诉求不符合合同约定，{company}维持原处理意见，并已当面向您解释条款内容。"
    "如对处理结果有异议，您可在收到本答复之日起30日内申请核查，也可向广东保险纠纷调解中心申请调解或依法向人民法院起诉。",
    "经核查，{ground}。{company}维持原处理意见。如有异议，您可申请核查，或通过调解、诉讼途径解决。",
)

# The regulator's answer to a case it investigated (递交跟踪处理).
REGULATOR_REPLIES = {
    UPHELD: (
        "经我局调查核实，{company}相关人员存在{violation}问题。我局已依法责令公司整改，对相关责任人作出处理，"
        "并督促公司向您{refund}。",
        "经调取投保资料、销售录音并询问相关人员，您反映的{violation}问题属实。我局已对{company}下发监管函，"
        "责令其限期整改并向您{refund}。",
    ),
    PARTLY: (
        "经我局调查，您反映的{violation}问题部分属实：公司在销售过程中存在说明不充分的情形，我局已责令{company}改正，"
        "并督促其向您{refund}；其余反映事项缺乏证据支持。",
    ),
    NOT_UPHELD: (
        "经我局调取投保资料、电话回访录音并询问相关人员，未发现{company}存在{violation}的违法违规事实。"
        "您与公司之间的合同纠纷，可通过调解或诉讼途径解决。",
    ),
}

REVIEW_REASONS = (
    "投诉人对处理结果不服，认为核定金额过低，申请核查。",
    "投诉人认为公司未充分考虑其提交的医院诊断证明，申请核查。",
    "投诉人不接受公司的解释，认为业务员销售时未作说明，申请核查。",
    "投诉人对拒赔理由有异议，补充提交了新的证明材料，申请核查。",
)
REVIEW_KEPT = (
    "经核查，原处理结果认定事实清楚、适用条款正确，维持原处理意见。已向投诉人当面说明核查结论，"
    "并告知可向广东保险纠纷调解中心申请调解。",
)
REVIEW_CHANGED = (
    "经核查，原处理未充分考虑投诉人补充提交的证明材料，改为同意支付{what}{amount}，已于{paid_on}支付完毕。",
    "经核查，{company}同意调整原处理意见，支付{what}{amount}，投诉人接受核查结论。",
)
MEDIATION_SETTLED = (
    "经广东保险纠纷调解中心调解，双方自愿达成调解协议：{company}一次性支付{amount}，投诉人不再就此事主张其他权利。",
    "经广东保险纠纷调解中心组织调解，双方各让一步，{company}同意通融支付{amount}，调解协议已履行完毕。",
)

NOTIFY_CHANNELS = ("phone", "letter", "in_person", "phone", "sms")

EXTENSION_REASONS = (
    "案情复杂，需调取被保险人在{hospital}的全部病历并委托第三方机构进行伤残鉴定，处理期限依法延长至30日，已电话告知投诉人。",
    "案件涉及多家医院的诊疗记录和既往病史核实，需要外出调查，处理期限依法延长至30日，已告知投诉人延期理由。",
    "需等待公安交警部门出具事故责任认定书后方能核定损失，处理期限依法延长至30日，已告知投诉人。",
)
REJECT_REASONS = (
    "投诉事项已经人民法院作出生效判决，依照《银行保险机构消费投诉处理管理办法》不予受理，已告知投诉人。",
    "投诉人无法提供保单号、身份证明等必要信息，且联系电话无法接通，暂不能受理，已书面告知需补充的材料。",
)

# Spot-check findings: why a case was not handled properly, by the case's outcome stratum.
IMPROPER_REASONS = {
    "resolved_on_site": (
        "现场解决记录未载明消费者是否认可处理结果。",
        "现场补赔的金额未说明计算依据，处理记录不完整。",
    ),
    "time_limited": (
        "答复未告知消费者申请核查和调解的途径。",
        "处理结果中赔付金额的计算依据未向消费者说明，记录不完整。",
        "承诺时限内未书面答复，仅电话告知，且无通话记录佐证。",
        "涉及业务员销售误导，公司未对责任人作出处理即结案。",
    ),
}

CALLBACK_COMMENTS = {
    5: (
        "问题解决得很快，感谢监管部门。",
        "公司领导亲自打电话道歉，很满意。",
        "赔款已经收到，希望以后多举办这样的活动。",
    ),
    4: ("总体满意，就是等的时间有点长。", "问题解决了，但跑了两趟才办完手续。", ""),
    3: ("钱是赔了，但比预期少。", "公司解释了条款，勉强接受。", ""),
    2: ("公司一直推来推去，最后才给答复。", "对结果不太满意，还在考虑要不要起诉。"),
    1: ("问题根本没有解决，公司只是敷衍。", "不满意，准备向法院起诉。"),
}
UNREACHABLE_NOTES = ("无人接听", "占线", "关机", "不在服务区")
WRONG_NUMBER_NOTES = ("号码已停机", "对方称打错了", "空号")

# Typical cases (拖赔惜赔): narrative pieces.
TYPICAL_TITLE_MONTHS = "{line}理赔拖了{months}个月仍未赔付，大接访现场投诉后限期赔付"
TYPICAL_TITLE = "{line}理赔迟迟不到位，大接访现场投诉后监管督促足额赔付"
TYPICAL_LESSON = (
    "保险公司应在收到理赔材料后依法及时核定、赔付，不得以反复补材料、“需要调查”等理由拖赔惜赔。"
    "消费者出险后应及时报案，按要求提交材料并保留交接凭证；对理赔进度有异议的，可先向保险公司投诉，"
    "仍不能解决的可向当地保险监管部门反映，或申请调解。"
)


def _yuan(amount: Decimal) -> str:
    return f"{int(amount)}元"


def _date(day: date) -> str:
    return f"{day.month}月{day.day}日"


def _round(value: float) -> Decimal:
    return Decimal(max(100, int(round(value, -2)))).quantize(Decimal("0.01"))


_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)(万)?元")
_MONTHS = re.compile(r"(\d+)个月")


def amounts_in(text: str) -> list[int]:
    """The sums of money a text names, in yuan: "14.7万元" → 147000, "3600元" → 3600."""
    return [int(float(n) * (10_000 if wan else 1)) for n, wan in _AMOUNT.findall(text)]


def decision_for(rng: random.Random, *, by_regulator: bool) -> str:
    """Upheld / partly / not upheld, in the proportions the demo chose: companies uphold
    about 4 in 10 complaints taken away from the day, the regulator finds most referred
    violations established."""
    weights = (55, 30, 15) if by_regulator else (42, 33, 25)
    return rng.choices((UPHELD, PARTLY, NOT_UPHELD), weights=weights)[0]


def amount_for(rng: random.Random, *, issue: str, line: str, decision: str, summary: str = "") -> Decimal | None:
    """What the company pays (yuan), or None: nothing for a complaint not upheld, nor for one
    about service attitude. The sums the complaint names set the scale: what is in dispute is
    the difference between two of them (报价 vs 核定), else the larger one."""
    if decision == NOT_UPHELD or not PAYMENTS.get(issue, "x"):
        return None
    named = sorted(amounts_in(summary))
    if issue == "claim_amount" and len(named) >= 2 and named[-1] > named[0]:
        full = named[-1] - named[0]
    elif named:
        full = named[-1]
    elif issue == "telesales":
        full = rng.choice((100, 150, 200, 240, 300, 360, 500))
    elif issue in ("misselling", "underwriting", "surrender"):
        yearly = rng.choice((2_400, 3_000, 3_650, 5_000, 6_000, 8_000, 10_000, 12_000, 20_000))
        full = yearly * rng.randint(1, 3)
    else:
        low, high = texts.AMOUNTS.get(line, (2_000, 50_000))
        full = rng.randint(low, high)
    share = 1.0 if decision == UPHELD else rng.uniform(0.3, 0.7)
    return _round(full * share)


def company_reply(
    rng: random.Random, *, issue: str, decision: str, company: str, amount: Decimal | None, paid_on: date
) -> str:
    what = PAYMENTS.get(issue, "")
    if decision == NOT_UPHELD:
        ground = rng.choice(NOT_UPHELD_GROUNDS.get(issue, ("投保资料及处理过程符合合同约定和监管规定",)))
        return rng.choice(NOT_UPHELD_REPLIES).format(company=company, ground=ground)
    if amount is None:
        return rng.choice(UPHELD_NO_MONEY if decision == UPHELD else PARTLY_NO_MONEY).format(company=company)
    template = rng.choice(UPHELD_REPLIES if decision == UPHELD else PARTLY_REPLIES)
    return template.format(company=company, what=what, amount=_yuan(amount), paid_on=_date(paid_on))


def regulator_reply(rng: random.Random, *, issue: str, decision: str, company: str, amount: Decimal | None) -> str:
    violation = rng.choice(texts.ISSUE_BY_CODE[issue].violations) if issue in texts.ISSUE_BY_CODE else "违规"
    what = PAYMENTS.get(issue) or "款项"
    refund = f"支付{what}{_yuan(amount)}" if amount is not None else "书面致歉"
    return rng.choice(REGULATOR_REPLIES[decision]).format(company=company, violation=violation, refund=refund)


def review_reply(
    rng: random.Random, *, issue: str, changed: bool, company: str, amount: Decimal | None, paid_on: date
) -> str:
    if not changed or amount is None:
        return rng.choice(REVIEW_KEPT)
    what = PAYMENTS.get(issue) or "款项"
    return rng.choice(REVIEW_CHANGED).format(company=company, what=what, amount=_yuan(amount), paid_on=_date(paid_on))


def mediation_reply(rng: random.Random, *, company: str, amount: Decimal) -> str:
    return rng.choice(MEDIATION_SETTLED).format(company=company, amount=_yuan(amount))


def extension_reason(rng: random.Random, *, city: str) -> str:
    hospital = rng.choice(texts.HOSPITALS).format(city=city, district=city)
    return rng.choice(EXTENSION_REASONS).format(hospital=hospital)


def callback_comment(rng: random.Random, satisfaction: int) -> str:
    return rng.choice(CALLBACK_COMMENTS[satisfaction])


def typical_case(
    *,
    name: str,
    phone: str,
    site: str,
    branch: str,
    company: str,
    line_word: str,
    summary: str,
    due: date,
    decided: date,
    reply: str,
) -> tuple[str, str, str]:
    """(title, narrative, lesson) of a typical case of delayed claims (拖赔惜赔).

    The narrative names the complainant and their phone number, as an officer's first draft
    does: the scrubber (oversight/typical/scrubbing.py) removes them, and the reviewer confirms it."""
    months = _MONTHS.search(summary)
    title = (TYPICAL_TITLE_MONTHS if months else TYPICAL_TITLE).format(line=line_word, months=months and months[1])
    # The facts and the request, without the promise recorded at the visit (told below).
    facts = "。".join(s for s in summary.split("。") if s and "承诺" not in s)
    for lead in texts.LEADS_COMPLAINT:
        facts = facts.removeprefix(lead) if lead else facts
    narrative = (
        f"2012年3月24日，消费者{name}（联系电话{phone}）在{site}参加广东保险服务大接访活动，投诉{branch}拖延理赔。"
        f"据登记，{facts}。"
        f"现场监管人员要求{company}限时处理，公司承诺于{_date(due)}前给出处理结果。"
        f"{_date(decided)}，{company}作出处理：{reply}"
        f"随后，公司将处理结果告知{name}，{name}表示接受，案件办结。"
        "监管部门在抽查中发现，该公司同期还存在理赔材料一次性告知不到位、内部审批环节过多等问题，已责令其整改。"
    )
    return title, narrative, TYPICAL_LESSON
