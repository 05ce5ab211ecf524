"""Generated visit summaries for the demo: templates filled from a vocabulary.

All of this text is generated: no sentence records a real consumer's visit. The templates
follow the categories of RULES.md (issue: 理赔难 — 理赔金额, 保险责任认定, 理赔时效; 销售误导;
电销扰民; 退保; 保全/满期给付; 承保; 服务态度) and the insurance lines of the ProductLine
table; they are filled with the insurer's short name, the line, amounts, years and the
districts of the visitor's city, so that 15,000 visits read like 15,000 visits.
Consultations are questions, suggestions are proposals.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from ombud.demo.insurers import Insurer

# Colloquial names of each ProductLine code.
LINE_WORDS = {
    "motor": ("车险", "机动车辆保险", "商业车险", "家用车保险"),
    "guarantee": ("贷款保证保险", "个人消费贷款保证保险"),
    "property_other": ("家庭财产保险", "企业财产保险", "家财险"),
    "liability": ("雇主责任险", "公众责任险"),
    "life_ordinary": ("终身寿险", "定期寿险", "两全保险"),
    "health_illness": ("重大疾病保险", "重疾险", "防癌保险"),
    "health_medical": ("住院医疗保险", "医疗保险", "住院津贴保险"),
    "accident": ("意外伤害保险", "意外险", "交通意外险"),
    "annuity": ("养老年金保险", "少儿教育年金保险", "年金保险"),
    "participating": ("分红险", "分红型两全保险", "分红型终身寿险"),
    "universal": ("万能险", "万能型寿险"),
    "unit_linked": ("投连险", "投资连结保险"),
}

# Lines a company of each business (insurers.csv company_type_en) sells.
BUSINESS_LINES = {
    "life": (
        "life_ordinary",
        "health_illness",
        "health_medical",
        "accident",
        "annuity",
        "participating",
        "universal",
        "unit_linked",
    ),
    "health": ("health_illness", "health_medical", "accident"),
    "pension": ("annuity", "health_medical", "accident", "life_ordinary"),
    "property_casualty": ("motor", "property_other", "guarantee", "liability", "accident", "health_medical"),
}

# Typical sums (yuan) per line: (low, high) of a claim or account value.
AMOUNTS = {
    "motor": (1_800, 60_000),
    "guarantee": (5_000, 80_000),
    "property_other": (3_000, 200_000),
    "liability": (8_000, 150_000),
    "life_ordinary": (30_000, 200_000),
    "health_illness": (50_000, 300_000),
    "health_medical": (2_000, 80_000),
    "accident": (3_000, 100_000),
    "annuity": (10_000, 150_000),
    "participating": (10_000, 120_000),
    "universal": (10_000, 150_000),
    "unit_linked": (20_000, 200_000),
}

RELATIONS = ("本人", "母亲", "父亲", "丈夫", "妻子", "儿子", "女儿", "岳母", "婆婆")
ILLNESSES = (
    "甲状腺癌",
    "乳腺癌",
    "肺癌",
    "鼻咽癌",
    "肝癌",
    "急性心肌梗塞",
    "脑中风",
    "尿毒症",
    "良性脑肿瘤",
    "冠心病",
    "肺炎",
    "胆结石",
    "腰椎间盘突出",
    "糖尿病并发症",
)
INJURIES = (
    "骑摩托车摔伤致小腿骨折",
    "在工地高处坠落受伤",
    "下楼梯滑倒致腰椎压缩性骨折",
    "交通事故致锁骨骨折",
    "被狗咬伤",
    "搬运货物时扭伤腰部",
    "在家中摔倒致手腕骨折",
    "骑电动车与货车相撞受伤",
)
CAR_EVENTS = (
    "在路口与前车追尾",
    "倒车时刮擦墙柱",
    "停放时被不明车辆碰撞",
    "在台风暴雨中被水浸泡",
    "挡风玻璃被落石砸裂",
    "在高速公路上爆胎撞上护栏",
    "夜间被盗",
    "在停车场被划花",
    "与电动车发生碰撞",
)
MOTOR_EXCLUSIONS = (
    "驾驶证过期",
    "车辆未按期年检",
    "发动机涉水损坏属于免责",
    "事故发生后驾驶人离开现场",
    "车辆改装未告知",
    "营运使用未告知",
    "报案超过48小时",
)
ACCIDENT_EXCLUSIONS = (
    "属于自身疾病所致而非意外",
    "投保时职业类别告知不实",
    "未在二级以上医院就诊",
    "伤残程度不符合鉴定标准",
)
PROPERTY_EVENTS = (
    "遭遇台风，屋顶和门窗受损",
    "家中失窃",
    "楼上水管爆裂浸泡家具电器",
    "厂房因电线短路起火",
    "仓库被暴雨浸泡",
    "店铺遭雷击电器烧毁",
)
HOOKS = ("存款送保险", "银行理财产品", "保本保息、随时可取", "免费体检", "抽奖赠送", "收益比国债高")
# What a mis-seller keeps quiet about, for savings-type lines and for protection lines.
HIDDEN_SAVINGS = ("提前退保损失本金", "缴费期长达十年", "分红不保证", "需连续缴费二十年", "初始费用和账户管理费")
HIDDEN_PROTECTION = ("等待期", "免责条款", "缴费期长达二十年", "既往症不赔", "提前退保损失大部分保费")
SAVINGS_LINES = ("participating", "universal", "unit_linked", "annuity")
BANK_PLACES = ("银行网点", "邮政储蓄网点", "农村信用社网点", "银行营业厅")
HOSPITALS = ("{city}人民医院", "{district}人民医院", "镇卫生院", "广州的三甲医院", "{city}中医院")

# Groups of ProductLine codes used to say which lines a template fits.
SAVINGS = ("participating", "universal", "unit_linked", "annuity", "life_ordinary", "health_illness")
LIFE = ("life_ordinary", "health_illness", "health_medical", "accident", "annuity", "participating", "universal")
CLAIM_LINES = ("motor", "property_other", "liability", "health_medical", "health_illness", "accident", "life_ordinary")
ANY = tuple(LINE_WORDS)


def _line_word(rng: random.Random, line: str) -> str:
    return rng.choice(LINE_WORDS.get(line, ("保险",)))


def _yuan(value: float) -> str:
    return f"{int(value)}元"


def _money(rng: random.Random, low: int, high: int) -> tuple[int, str]:
    value = rng.randint(low, high)
    value = int(round(value, -2)) if value >= 1_000 else value
    if value >= 10_000 and rng.random() < 0.6:
        return value, f"{value / 10_000:.1f}".removesuffix(".0") + "万元"
    return value, _yuan(value)


@dataclass(frozen=True)
class Issue:
    """A complaint issue of RULES.md with the texts that tell it.

    `facts` are (lines, template): the template fits a visit about one of those lines, or any
    of the issue's lines when empty; a template naming {agent} is used when the complaint
    names a practitioner, and only then.
    """

    code: str
    label: str  # RULES.md category
    life: dict[str, int]  # line → weight, for a life/health company
    pc: dict[str, int]  # line → weight, for a P&C company
    weight_life: int
    weight_pc: int
    facts: tuple[tuple[tuple[str, ...], str], ...]
    requests: tuple[str, ...]
    resolutions: tuple[str, ...]  # how such a complaint is settled on the spot
    violations: tuple[str, ...]  # what a referred one is suspected of


ISSUES: tuple[Issue, ...] = (
    Issue(
        "claim_amount",
        "理赔难·理赔金额",
        {"health_medical": 5, "health_illness": 2, "accident": 3},
        {"motor": 8, "property_other": 2, "accident": 1, "health_medical": 1, "liability": 1},
        12,
        30,
        (
            (
                ("motor",),
                "{year}年在{company}投保{line}，去年{month}月车辆{car_event}，修理厂报价{amount}，保险公司只核定{amount_low}，差额太大。",
            ),
            (
                ("health_medical",),
                "{relation}因{illness}在{hospital}住院，花费医疗费用{amount}，{company}以社保目录外用药为由只赔付{amount_low}。",
            ),
            (
                ("motor",),
                "在{district}发生交通事故，车辆维修费用{amount}，{company}按{pct}%扣减免赔后赔付，认为扣减理由不充分。",
            ),
            (
                ("property_other",),
                "投保{company}{line}，{property_event}，报损{amount}，保险公司核定损失仅{amount_low}。",
            ),
            (
                ("accident",),
                "{relation}{injury}，住院{days}天，{company}按伤残等级只赔{amount_low}，对伤残等级评定有异议。",
            ),
            (
                ("motor", "health_medical", "accident"),
                "{company}业务员{agent}代为办理{line}理赔，赔款{amount}到账后只转给投诉人{amount_low}，余款去向不明。",
            ),
            (("motor",), "车辆{car_event}，{company}定损员坚持按副厂配件价格定损，比4S店报价少{amount_low}。"),
            (
                ("health_medical",),
                "{relation}住院期间发生的费用{amount}，{company}扣除自费药和床位费超标部分后仅赔{amount_low}，认为投保时未提示。",
            ),
            (
                ("health_illness",),
                "{relation}确诊{illness}，{company}{line}只按轻症给付{amount_low}，认为应按重疾给付{amount}。",
            ),
            (("liability",), "工人在厂内受伤，{company}{line}只赔付{amount_low}，与工伤认定的赔偿标准差距大。"),
            (
                ("health_medical", "accident"),
                "业务员{agent}当初承诺{company}{line}“住院花多少报多少”，实际只赔了{amount_low}。",
            ),
        ),
        ("要求按实际损失赔付。", "要求补足差额。", "要求{company}说明核赔依据。", "", "要求重新核定损失。"),
        (
            "现场经{company}负责人重新核定，同意补赔{refund}，投诉人表示满意。",
            "经现场调解，{company}同意在原核定金额外再赔付{refund}，投诉人接受。",
            "{company}理赔负责人现场说明核赔依据，并同意按条款补赔{refund}。",
        ),
        ("截留理赔款", "故意压低赔付", "未履行条款说明义务"),
    ),
    Issue(
        "claim_liability",
        "理赔难·保险责任认定",
        {"health_illness": 5, "accident": 3, "life_ordinary": 2, "health_medical": 2},
        {"motor": 5, "accident": 2, "property_other": 2},
        14,
        14,
        (
            (
                ("health_illness",),
                "{year}年购买{company}{line}，{relation}确诊{illness}后申请理赔，被以投保前未如实告知为由拒赔并解除合同。",
            ),
            (("motor",), "投保{company}{line}，车辆{car_event}后报案，保险公司以{motor_exclusion}为由拒赔。"),
            (
                ("accident",),
                "{relation}{injury}，{company}以{accident_exclusion}为由，认为不在{line}保障范围内，拒绝赔付。",
            ),
            (
                ("life_ordinary", "health_illness"),
                "{relation}因{illness}去世，{company}称身故发生在等待期内，只退还保费{premium}，不予给付保险金{amount}。",
            ),
            (
                ("health_illness",),
                "{relation}确诊{illness}，{company}称不符合{line}条款中的疾病定义，拒绝给付{amount}。",
            ),
            (
                ("health_illness", "health_medical"),
                "当初业务员{agent}称{illness}也在{company}{line}保障范围内，出险后才知道属于除外责任。",
            ),
            (("property_other",), "{property_event}，{company}以投保时未告知房屋用途为由拒绝赔付{line}。"),
            (
                ("health_medical", "accident"),
                "{relation}在{hospital}住院治疗，{company}以未在指定医院就诊为由拒赔{line}。",
            ),
            (("motor",), "业务员{agent}投保时未提示{motor_exclusion}属于免责，出险后{company}据此拒赔{line}。"),
            (("life_ordinary",), "{relation}意外身故，{company}以投保时职业告知不实为由拒付{line}身故保险金{amount}。"),
        ),
        (
            "要求按合同赔付。",
            "要求撤销拒赔决定。",
            "认为拒赔理由不成立，要求重新审核。",
            "",
            "要求保险公司出具书面拒赔理由。",
        ),
        (
            "{company}理赔负责人现场逐条解释条款和拒赔依据，投诉人表示理解，同意不再投诉。",
            "经现场复核，{company}同意撤销拒赔决定并按合同赔付，投诉人满意。",
            "经现场调解，{company}同意通融赔付{refund}，投诉人接受。",
        ),
        ("未履行免责条款明确说明义务", "销售误导", "无理拒赔"),
    ),
    Issue(
        "claim_delay",
        "理赔难·理赔时效",
        {"health_medical": 3, "accident": 2, "life_ordinary": 1, "health_illness": 2},
        {"motor": 6, "property_other": 2, "liability": 1},
        8,
        22,
        (
            ((), "去年{month}月申请{company}{line}理赔，材料已于{days}天前交齐，至今未结案，多次催问均称在审核中。"),
            (
                ("motor",),
                "车辆{car_event}后报案，{company}查勘员{hours}小时后才到现场，定损后{months}个月仍未赔付{amount}。",
            ),
            (
                ("health_medical", "accident"),
                "{relation}住院费用{amount}的{line}理赔，{company}要求反复补交材料，拖了{months}个月。",
            ),
            ((), "{company}{line}理赔已确定赔付{amount}，但赔款迟迟未到账，客服称需等待上级公司审批。"),
            (
                ("health_medical", "accident", "motor"),
                "业务员{agent}答应代办{company}{line}理赔，收走发票原件后{months}个月没有下文。",
            ),
            ((), "在{district}发生的{line}案件，{company}以需要调查为由拖延{months}个月未作出核定。"),
            (("property_other",), "{property_event}后报案，{company}派公估人员查勘后{months}个月仍未出具理算结果。"),
            (("liability",), "工伤事故发生后申请{company}{line}理赔，{months}个月仍未赔付，工人家属天天上门追讨。"),
            (
                ("health_illness", "life_ordinary"),
                "{relation}确诊{illness}后申请{company}{line}理赔，公司派人调查了{months}个月仍无结论。",
            ),
        ),
        ("要求尽快赔款。", "要求{company}给出明确的赔付时间。", "要求说明拖延原因。", ""),
        (
            "{company}现场安排专人受理，当天收齐材料并承诺三个工作日内赔款到账，投诉人接受。",
            "{company}现场查询后当场审批结案，承诺赔款次日到账，投诉人满意。",
            "{company}理赔经理现场致歉并当场核定赔款，投诉人认可。",
        ),
        ("故意拖延赔付", "截留理赔材料"),
    ),
    Issue(
        "misselling",
        "销售纠纷·销售误导",
        {"participating": 6, "universal": 3, "unit_linked": 2, "annuity": 2, "health_illness": 2, "life_ordinary": 1},
        {"accident": 2, "motor": 1},
        34,
        4,
        (
            (
                ("participating", "universal", "annuity"),
                "{year}年在{bank_place}办理存款时，{company}驻点人员称“{hook}”，购买了{line}，每年缴费{premium}，后来才发现是{pay_years}年期保险。",
            ),
            (
                ("participating", "universal"),
                "业务员{agent}推销{company}{line}时称年收益可达{pct}%，实际收益不到{pct_low}%。",
            ),
            (SAVINGS, "{company}业务员{agent}未说明{line}的{hidden_term}，并代投保人在投保单上签名。"),
            (
                SAVINGS,
                "{relation}已{age}岁，{company}业务员{agent}仍向其推销{line}，年缴保费{premium}，超出家庭承受能力。",
            ),
            (SAVINGS, "业务员{agent}以“{hook}”为名推销{company}{line}，隐瞒了{hidden_term}等内容。"),
            (
                SAVINGS,
                "{year}年经业务员{agent}介绍投保{company}{line}，被告知缴费{pay_years_short}年即可，现在才知道要缴{pay_years}年。",
            ),
            (
                ("participating", "universal", "unit_linked"),
                "在{bank_place}被{company}人员以“{hook}”为由销售{line}，投保单上的风险提示语不是本人抄写。",
            ),
            (("accident", "motor"), "续保车险时{company}业务员{agent}未经同意搭售驾乘人员意外险{small_premium}。"),
            (("accident", "motor"), "续保车险时{company}未经同意在保单中加入驾乘人员意外险，多收保费{small_premium}。"),
            (
                ("participating", "annuity", "life_ordinary"),
                "业务员{agent}称{company}{line}“交满五年就能全部取回还有利息”，实际现金价值只有已交保费的一半。",
            ),
            (SAVINGS, "{company}业务员{agent}劝说把原有保单退保后改买{line}，退保损失{amount_low}由投保人承担。"),
            (
                ("unit_linked", "universal"),
                "{year}年在{company}购买{line}，销售时只讲收益不讲风险，现在账户价值只剩{amount_low}。",
            ),
            (
                ("health_illness", "annuity"),
                "{company}电话回访时被引导回答“已了解条款”，实际从未有人讲解{line}的{hidden_term}。",
            ),
        ),
        ("要求全额退还保费。", "要求退保并退还已交保费。", "要求追究业务员责任。", "", "要求撤销合同。"),
        (
            "{company}当场同意办理退保并全额退还保费，投诉人满意。",
            "{company}现场核实销售过程后同意按已交保费退保，并对业务员作出处理。",
            "{company}{city}分公司总经理亲自接待，同意撤销合同并退还保费{premium}。",
        ),
        ("销售误导", "代客户签名", "夸大收益的虚假宣传", "欺骗投保人"),
    ),
    Issue(
        "telesales",
        "销售纠纷·电销扰民",
        {"accident": 2, "health_medical": 1, "health_illness": 1},
        {"motor": 4, "accident": 1},
        4,
        12,
        (
            ((), "近{months}个月几乎每天接到自称{company}的电话推销{line}，明确拒绝后仍反复来电。"),
            (("motor",), "车险到期前{days}天起，{company}电话销售频繁来电，一天多达{n}次，怀疑个人信息被泄露。"),
            (
                ("accident", "health_medical", "health_illness"),
                "电话中被告知“免费赠送”{line}，事后银行卡被扣款{small_premium}，{company}称客户已在电话中同意。",
            ),
            ((), "{company}电销人员在上班时间反复拨打手机推销{line}，拒绝后还被出言不逊。"),
            ((), "已离职的业务员{agent}仍以{company}名义打电话推销{line}，并掌握投诉人的保单信息。"),
            (
                ("accident", "health_medical", "health_illness"),
                "{relation}年纪大，接到{company}电话推销后稀里糊涂同意投保{line}，每月扣费{fee}。",
            ),
            (("motor",), "刚买新车还没上牌，就接到{company}等多家公司的车险推销电话，怀疑信息被泄露。"),
            ((), "{company}业务员{agent}把投诉人号码交给电销中心，每周都有人打电话推销{line}。"),
        ),
        ("要求停止来电骚扰。", "要求说明个人信息来源。", "", "要求将号码列入禁呼名单。"),
        (
            "{company}现场道歉，并将投诉人号码列入禁呼名单。",
            "{company}当场同意撤销保单并退还已扣保费，投诉人满意。",
            "{company}现场承诺停止来电并书面道歉，投诉人接受。",
        ),
        ("泄露客户信息", "电话销售误导", "未经同意扣费"),
    ),
    Issue(
        "surrender",
        "退保",
        {"participating": 4, "universal": 2, "annuity": 2, "life_ordinary": 1, "health_illness": 1, "unit_linked": 1},
        {"motor": 1},
        14,
        3,
        (
            (
                SAVINGS,
                "{year}年购买{company}{line}，已缴费{paid_years}年共{amount}，现因家庭困难申请退保，现金价值仅{amount_low}，损失太大。",
            ),
            (
                SAVINGS,
                "投保{company}{line}后第{hesitation_day}天在犹豫期内申请退保，保险公司拒绝全额退还保费{premium}。",
            ),
            (("motor",), "车辆已转卖，申请退还{company}{line}剩余保费，被要求多次往返提交材料。"),
            (SAVINGS, "业务员{agent}离职前劝说退掉{company}{line}改买新产品，退保时才知道损失{amount_low}。"),
            (("unit_linked", "universal"), "{company}{line}投资账户价值跌到{amount_low}，申请退保时又被扣除退保费用。"),
            (SAVINGS, "为{relation}投保的{company}{line}，要求退保时柜面称必须由业务员{agent}陪同办理。"),
            (("motor",), "车辆报废后申请退还{company}{line}未到期保费，柜面称已过期限不予办理。"),
            (("motor",), "车辆转让后，原业务员{agent}拖着不给办理{company}{line}退保手续。"),
        ),
        ("要求全额退还保费。", "要求按已交保费退保。", "要求简化退保手续。", ""),
        (
            "{company}当场同意按全额退还保费办理退保，投诉人满意。",
            "{company}现场计算并解释现金价值，投诉人同意改为减额缴清，保留保障。",
            "{company}现场受理退保申请，当场办结手续。",
        ),
        ("诱导退保", "销售误导", "拒不办理退保"),
    ),
    Issue(
        "servicing",
        "保全·满期给付",
        {"participating": 3, "annuity": 3, "life_ordinary": 2},
        {"motor": 1},
        9,
        1,
        (
            (
                ("participating", "annuity", "life_ordinary"),
                "{company}{line}已于去年{month}月满期，应领满期金{amount}，至今未到账。",
            ),
            (("participating",), "{year}年投保{company}{line}，红利通知书上的分红与业务员{agent}当初演示的相差很大。"),
            (LIFE, "申请变更{line}保单的受益人和联系地址，{company}柜面要求的材料过多，办了{n}次仍未完成。"),
            (LIFE, "续期保费已按时在银行扣款，{company}却称{line}保单失效，要求补缴并重新体检。"),
            (
                ("participating", "universal", "life_ordinary"),
                "申请{line}保单借款{amount_low}，{company}以系统原因拖延{days}天未放款。",
            ),
            (LIFE, "业务员{agent}收取了续期保费{premium}现金却未交到{company}，导致{line}保单失效。"),
            (("annuity",), "{relation}的{company}{line}到期应领取，因无人通知，过了{months}个月才知道可以领取。"),
            (("motor",), "申请{company}{line}批改车主信息，柜面要求原车主到场，无法办理。"),
            (("motor",), "业务员{agent}代办{company}{line}批改，收了手续费却一直没有办。"),
        ),
        ("要求尽快处理。", "要求{company}书面解释。", ""),
        (
            "{company}现场查询系统后当场办理，投诉人认可处理结果。",
            "{company}当场确认应付金额并承诺当日转账，投诉人满意。",
            "{company}现场核实后当场办结，并为工作疏漏道歉，投诉人接受。",
        ),
        ("截留挪用保费", "擅自变更保单"),
    ),
    Issue(
        "underwriting",
        "承保",
        {"health_illness": 2, "health_medical": 1},
        {"motor": 3, "guarantee": 1},
        2,
        5,
        (
            (("motor",), "车辆已使用{car_age}年，{company}拒绝承保商业车险，只同意投保交强险。"),
            (
                ("health_illness", "health_medical"),
                "为{relation}投保{company}{line}，体检后被加费{pct}%，对核保结论有异议，要求说明理由。",
            ),
            (("motor",), "续保{company}{line}时被要求必须搭配购买驾乘人员意外险，否则不予出单。"),
            (("guarantee",), "申请小额贷款时被要求必须在{company}投保{line}，保费{premium}从贷款中直接扣除。"),
            (
                ("health_illness", "health_medical"),
                "{relation}曾患{illness}，{company}直接拒保{line}，未给出任何说明。",
            ),
            (("motor",), "业务员{agent}称{company}{line}必须同时购买车上人员险才能出交强险保单。"),
            (
                ("health_illness", "health_medical"),
                "业务员{agent}收了首期保费{premium}后一个月，{company}才通知{line}核保未通过，保费至今未退。",
            ),
            (("guarantee",), "业务员{agent}称不买{company}{line}就办不了贷款，保费比贷款利息还高。"),
        ),
        ("要求依法承保。", "要求说明核保理由。", ""),
        (
            "{company}现场复核后同意按规定承保，投诉人满意。",
            "{company}现场解释核保规则，投诉人表示理解。",
            "{company}当场同意退还已收保费，并书面说明核保结论，投诉人接受。",
        ),
        ("强制搭售", "拒保交强险", "截留保费"),
    ),
    Issue(
        "attitude",
        "服务态度",
        {"participating": 1, "health_medical": 1, "life_ordinary": 1, "annuity": 1},
        {"motor": 3, "property_other": 1},
        5,
        7,
        (
            ((), "到{company}{district}营业网点办理{line}业务，柜面人员态度冷淡，推诿让其找业务员。"),
            ((), "拨打{company}客服电话询问{line}理赔进度，多次转接无人处理，客服态度恶劣。"),
            (LIFE, "原业务员{agent}离职后，{company}{line}保单无人跟进服务，续期提醒也没有。"),
            ((), "在{company}{district}理赔窗口等候{hours}小时无人接待，未到下班时间即关门。"),
            (("motor", "property_other"), "{company}查勘员到现场后态度粗暴，指责投保人骗保。"),
            (LIFE, "{company}业务员{agent}上门催缴保费时言语威胁，称不缴费就“白交了”。"),
            (("motor",), "{company}定损员{agent}在定损时索要好处费，否则拖着不定损。"),
            (("property_other",), "{company}业务员{agent}承诺上门查勘，约了{n}次都没有来。"),
        ),
        ("要求道歉并改进服务。", "要求更换服务人员。", "", "要求{company}给出处理意见。"),
        (
            "{company}现场道歉，当场更换服务人员，投诉人接受。",
            "{company}{city}分公司总经理亲自接待并道歉，承诺整改，投诉人满意。",
        ),
        ("违规展业", "损害消费者合法权益"),
    ),
)
ISSUE_BY_CODE = {i.code: i for i in ISSUES}

LEADS_COMPLAINT = ("", "", "", "投诉人反映：", "来访人称：", "消费者投诉：", "市民反映，")
RESOLVED_ON_SITE = (
    "经现场调解，双方达成一致，投诉人表示满意。",
    "监管人员现场协调，{company}当场作出处理，投诉人接受。",
    "{company}现场查询系统后当场处理，投诉人认可处理结果。",
)
TIME_LIMITED = (
    "案情需调取投保资料核查，{company}承诺于{due}前处理完毕并书面答复。",
    "{company}承诺{due}前完成复核并答复投诉人。",
    "需补充材料，{company}承诺限时于{due}前解决。",
    "{company}{city}分公司受理，承诺{due}前给出处理结果。",
)
REFERRED = (
    "涉嫌{violation}，需进一步调查，已递交广东保监局跟踪处理，{due}前答复。",
    "投诉涉及从业人员涉嫌{violation}，递交监管部门调查，限{due}前办结。",
    "经初步核实涉嫌{violation}，转广东保监局调查，承诺{due}前告知结果。",
)

# (lines the question fits, question); general ones name no company.
CONSULTATIONS_GENERAL = (
    (("participating", "universal", "annuity"), "犹豫期内退保能否全额退还保费，犹豫期从哪天开始计算？"),
    (("motor",), "车险出险后多长时间内必须报案，小额案件能否不去现场定损？"),
    (("motor",), "交强险和商业第三者责任险有什么区别，家用车三者险保额买{n}0万元是否足够？"),
    ((), "如何查询代理人是否持有保险代理从业人员资格证书？"),
    ((), "投诉保险公司有哪些渠道，保监局受理投诉的时限是多少？"),
    (("health_medical",), "医疗险报销是否需要先经社保结算，发票原件被单位收走怎么办？"),
    (("participating", "universal"), "银行网点销售的保险与存款有什么区别，怎样辨别？"),
    (("universal",), "万能险的结算利率是否保证，账户管理费如何收取？"),
    (("health_illness",), "重大疾病保险的疾病定义是否各家公司统一，轻症是否也赔？"),
    (("motor",), "车辆过户后车险是否需要办理批改，原保单是否继续有效？"),
    (("health_medical",), "已参加新农合，再买商业医疗保险能否重复报销？"),
    (("life_ordinary", "participating"), "保险公司倒闭了，已买的寿险保单怎么办？"),
    ((), "怎样判断一家保险公司是否合法经营？"),
    (("accident",), "外出务工期间发生意外，能否在外地医院就诊后回来理赔？"),
    (("participating", "life_ordinary", "universal"), "保单上的现金价值是什么意思，退保能拿回多少？"),
    (("health_medical", "accident"), "子女在外地，老人办理理赔能否委托亲属代办，需要什么材料？"),
    (("property_other",), "台风造成的家庭财产损失能否通过保险理赔？"),
    (("motor",), "去年出险{n}次，对今年车险续保保费有什么影响？"),
    (("health_illness", "health_medical"), "投保时健康告知漏写了高血压，现在补充告知是否来得及？"),
    (("participating", "universal", "life_ordinary"), "保单借款的利率怎样计算，最多能借多少？"),
    (("motor",), "{district}的车辆年检和交强险有什么关系，脱保上路会怎样处罚？"),
    (("accident",), "学生平安保险和学校统一购买的意外险有什么区别？"),
)
CONSULTATIONS_COMPANY = (
    (CLAIM_LINES, "{company}{line}理赔需要准备哪些材料，在{district}能否就近办理？"),
    (("participating",), "{year}年购买的{company}{line}，分红如何计算，为什么今年比去年少？"),
    (
        ("health_illness", "health_medical", "accident", "annuity"),
        "{relation}{age}岁，还能否投保{company}的{line}，需要体检吗？",
    ),
    (ANY, "{company}{line}保单丢失后如何补办，需要本人到柜面吗？"),
    (SAVINGS, "{company}{line}缴费期间经济困难，能否减额缴清或申请保单借款？"),
    (("participating", "annuity", "life_ordinary"), "{company}{line}满期金如何领取，委托家人代领需要什么材料？"),
    (("annuity", "health_illness", "health_medical"), "家庭年收入约{income}，如何给孩子配置{line}和意外保障？"),
    (("motor",), "车辆在{district}被水浸后发动机损坏，{company}的车损险是否赔付？"),
    (SAVINGS, "{company}{line}的现金价值怎样查询，现在退保会损失多少？"),
    (LIFE, "{company}在{district}有没有服务网点，{line}续期缴费能否在网点办理？"),
    (
        ("life_ordinary", "participating", "accident", "annuity"),
        "{relation}去世后发现有{company}的{line}保单，如何办理身故理赔，没有指定受益人怎么处理？",
    ),
    (("health_illness", "health_medical"), "{company}的{line}等待期是多长，等待期内出险怎么处理？"),
    (ANY, "在{company}买的{line}，更换手机号后如何变更联系方式？"),
    (CLAIM_LINES, "{company}{line}理赔进度怎么查询，一般多少天能赔付？"),
    (
        ("motor", "health_medical", "accident", "property_other"),
        "{year}年在{company}投保的{line}，到期不续保会有什么损失？",
    ),
    (LIFE, "{company}业务员推荐的{line}适不适合{age}岁的{relation}？"),
    (("motor", "accident"), "{company}{line}的免责条款有哪些，酒后出险是否赔付？"),
    (LIFE, "{company}{line}保费每年{premium}，能否改为月缴？"),
    (("motor",), "{company}{line}续保有没有优惠，去年没有出险能打几折？"),
    (("property_other", "motor"), "在{company}投保的{line}，台风造成的损失能否赔付？"),
    (("liability",), "{company}的{line}是否覆盖临时雇用的工人？"),
    (("guarantee",), "贷款提前还清后，{company}的{line}保费能否退还？"),
    (("motor",), "车辆送修后，{company}定损金额与修理厂报价不一致怎么办？"),
    (("unit_linked", "universal"), "{company}{line}的账户价值为什么比已交保费还少？"),
)
CONSULTATION_LEADS = ("咨询", "询问", "想了解", "市民咨询：", "来访者询问：", "")
CONSULTATION_TAILS = (
    "",
    "",
    "现场已解答。",
    "工作人员现场解答并发放宣传资料。",
    "已现场解答，并告知{company}客服电话。",
    "现场讲解了条款要点。",
)

SUGGESTIONS_GENERAL = (
    ((), "建议保险公司在{district}增设服务网点，方便乡镇群众办理业务。"),
    (("participating", "universal"), "建议加强对银行网点代理销售保险的管理，在柜台明显位置提示“保险不是存款”。"),
    ((), "建议监管部门定期公布各保险公司的投诉量和理赔时效排名，接受社会监督。"),
    ((), "建议建立保险纠纷调解机制，小额纠纷不必打官司。"),
    ((), "建议保险条款用通俗语言编写，重要的免责条款加粗提示。"),
    (("motor",), "建议车险理赔推行“互碰自赔”，减少事故双方来回奔波。"),
    ((), "建议把大接访办成常态化的服务日，每季度举行一次。"),
    (("motor", "health_medical"), "建议开通保险理赔进度的网上和短信查询。"),
    ((), "建议加强从业人员培训和诚信档案管理，对销售误导的业务员实行行业禁入。"),
    (("health_medical",), "建议医疗险理赔与医院实现直接结算，减少病人垫付。"),
    (("motor",), "建议统一车险定损标准，修理厂报价与保险公司核价差异大时引入第三方公估。"),
    ((), "建议保监局局长接待日固定时间并提前在报纸上公告。"),
    (("unit_linked", "universal", "participating"), "建议对老年人购买投资型保险设置冷静期回访，防止误导。"),
    (("accident",), "建议在{district}乡镇设立农村保险服务站，推广小额人身保险。"),
    ((), "建议行业建立电话销售“禁呼名单”，客户拒绝后不得再次来电。"),
    (("health_medical", "accident"), "建议保险公司公开理赔所需材料清单，一次性告知，避免来回补材料。"),
    ((), "建议在{city}电视台开设保险知识栏目，普及保险常识。"),
)
SUGGESTIONS_COMPANY = (
    (CLAIM_LINES, "建议{company}简化小额{line}理赔手续，{small_amount}以下案件实行快速赔付。"),
    (ANY, "建议{company}业务员统一佩戴工号牌，并在保单上注明业务员联系方式。"),
    (("participating", "annuity", "life_ordinary"), "建议{company}满期给付提前一个月短信提醒，避免客户忘记领取。"),
    (ANY, "建议{company}在{district}网点延长周末服务时间。"),
    (ANY, "建议{company}客服电话增加人工服务，减少语音转接层级。"),
    (LIFE, "建议{company}业务员离职后及时安排新的服务人员并通知客户。"),
    (("participating",), "建议{company}的{line}红利通知书写清楚计算方法，不要只写一个数字。"),
    (("motor",), "建议{company}对{line}续保客户给予无赔款优待，手续更透明。"),
    (CLAIM_LINES, "建议{company}{line}理赔结案后主动电话回访，听取客户意见。"),
    (("motor",), "建议{company}在{district}设立车险快速理赔点。"),
    (("health_illness", "health_medical"), "建议{company}把{line}的健康告知问题写得更具体，避免日后纠纷。"),
)
SUGGESTION_LEADS = ("", "", "市民建议：", "来访者提出：", "意见：")


def _fits(lines: tuple[str, ...], line: str) -> bool:
    return not lines or line in lines


def _complaint_choices(issue: Issue, insurer: Insurer, named: bool) -> tuple[dict[str, int], dict[str, list[str]]]:
    """The issue's lines this insurer sells that have a fitting template, and those templates."""
    own = BUSINESS_LINES.get(insurer.business, ANY)
    table = issue.life if insurer.is_life else issue.pc
    weights: dict[str, int] = {}
    facts: dict[str, list[str]] = {}
    for line, weight in table.items():
        fitting = [t for lines, t in issue.facts if _fits(lines, line) and ("{agent}" in t) == named]
        if line in own and fitting:
            weights[line], facts[line] = weight, fitting
    return weights, facts


def _due_text(due: date) -> str:
    return f"{due.month}月{due.day}日"


def _slots(
    rng: random.Random,
    *,
    insurer: Insurer | None,
    line: str,
    city: str,
    district: str,
    agent: str,
    this_year: int = 2012,
) -> dict:
    low, high = AMOUNTS.get(line, (2_000, 50_000))
    amount, amount_text = _money(rng, low, high)
    low_value = max(100, round(amount * rng.uniform(0.2, 0.7), -2))
    pay_years = rng.choice((10, 15, 20))
    year = rng.randint(this_year - 9, this_year - 1)
    return {
        "company": insurer.short_name if insurer else "保险公司",
        "line": _line_word(rng, line) if line else "保险",
        "city": city.removesuffix("市"),
        "district": district,
        "agent": agent,
        "year": year,
        "paid_years": max(1, this_year - year),
        "pay_years": pay_years,
        "pay_years_short": rng.choice((3, 5)),
        "month": rng.randint(1, 12),
        "amount": amount_text,
        "amount_low": _yuan(low_value),
        "refund": _yuan(max(100, round(amount * rng.uniform(0.05, 0.4), -2))),
        "premium": _yuan(rng.choice((1_200, 2_400, 3_000, 3_650, 5_000, 6_000, 8_000, 10_000, 12_000, 20_000))),
        "small_premium": _yuan(rng.choice((100, 150, 200, 240, 300, 360, 500))),
        "fee": _yuan(rng.choice((29, 39, 58, 69, 99, 128))),
        "income": f"{rng.randint(3, 30)}万元",
        "small_amount": _yuan(rng.choice((2_000, 3_000, 5_000, 10_000))),
        "pct": rng.choice((5, 6, 8, 10, 12, 15, 20)),
        "pct_low": rng.choice((1, 2, 3)),
        "days": rng.randint(5, 90),
        "hesitation_day": rng.randint(3, 10),
        "hours": rng.randint(2, 6),
        "months": rng.randint(2, 11),
        "n": rng.randint(2, 9),
        "age": rng.randint(62, 82),
        "car_age": rng.randint(9, 15),
        "relation": rng.choice(RELATIONS),
        "illness": rng.choice(ILLNESSES),
        "injury": rng.choice(INJURIES),
        "car_event": rng.choice(CAR_EVENTS),
        "motor_exclusion": rng.choice(MOTOR_EXCLUSIONS),
        "accident_exclusion": rng.choice(ACCIDENT_EXCLUSIONS),
        "property_event": rng.choice(PROPERTY_EVENTS),
        "hook": rng.choice(HOOKS),
        "hidden_term": rng.choice(HIDDEN_SAVINGS if line in SAVINGS_LINES else HIDDEN_PROTECTION),
        "bank_place": rng.choice(BANK_PLACES),
        "hospital": rng.choice(HOSPITALS).format(city=city, district=district),
    }


@dataclass(frozen=True)
class Text:
    summary: str
    line: str  # ProductLine code, or "" when the visit names none
    issue: str = ""  # Issue code of a complaint


def complaint(
    rng: random.Random,
    *,
    insurer: Insurer,
    city: str,
    district: str,
    agent: str = "",
    outcome: str,
    referred: bool = False,
    due: date | None = None,
    this_year: int = 2012,
) -> Text:
    """A complaint against `insurer`; with `agent`, one that names the practitioner.

    `outcome` is the visit's (resolved_on_site, time_limited), which closes the text with how
    it was settled; "" for a complaint by phone, letter or online, which tells only the facts
    and the request. `this_year` is the year it is made in (the policy years are before it)."""
    candidates = []
    for issue in ISSUES:
        weights, facts = _complaint_choices(issue, insurer, bool(agent))
        weight = issue.weight_life if insurer.is_life else issue.weight_pc
        if weights and weight:
            candidates.append((issue, weights, facts, weight))
    issue, weights, facts, _w = rng.choices(candidates, weights=[c[3] for c in candidates])[0]
    lines = list(weights)
    line = rng.choices(lines, weights=[weights[x] for x in lines])[0]
    slots = _slots(rng, insurer=insurer, line=line, city=city, district=district, agent=agent, this_year=this_year)
    slots["due"] = _due_text(due) if due else ""
    slots["violation"] = rng.choice(issue.violations)
    if referred:
        closing = rng.choice(REFERRED)
    elif outcome == "time_limited":
        closing = rng.choice(TIME_LIMITED)
    elif not outcome:
        closing = ""
    elif rng.random() < 0.75:
        closing = rng.choice(issue.resolutions)
    else:
        closing = rng.choice(RESOLVED_ON_SITE)
    text = rng.choice(LEADS_COMPLAINT) + rng.choice(facts[line]) + rng.choice(issue.requests) + closing
    return Text(text.format(**slots), line, issue.code)


def _pick(rng: random.Random, items: tuple, insurer: Insurer | None) -> tuple[str, str]:
    """A (line, template) whose lines the insurer sells; a line-less template gets no line."""
    own = BUSINESS_LINES.get(insurer.business, ANY) if insurer else ANY
    fitting = [(tuple(x for x in lines if x in own), t) for lines, t in items]
    fitting = [(lines, t) for lines, t in fitting if lines or not insurer]
    lines, template = rng.choice(fitting)
    return (rng.choice(lines) if lines else ""), template


def consultation(rng: random.Random, *, insurer: Insurer | None, city: str, district: str) -> Text:
    line, question = _pick(rng, CONSULTATIONS_COMPANY if insurer else CONSULTATIONS_GENERAL, insurer)
    slots = _slots(rng, insurer=insurer, line=line, city=city, district=district, agent="")
    tail = rng.choice(CONSULTATION_TAILS) if insurer else ""
    return Text((rng.choice(CONSULTATION_LEADS) + question + tail).format(**slots), line)


def suggestion(rng: random.Random, *, insurer: Insurer | None, city: str, district: str) -> Text:
    line, proposal = _pick(rng, SUGGESTIONS_COMPANY if insurer else SUGGESTIONS_GENERAL, insurer)
    slots = _slots(rng, insurer=insurer, line=line, city=city, district=district, agent="")
    return Text((rng.choice(SUGGESTION_LEADS) + proposal).format(**slots), line)


# ---- online: what a consumer types on the bureau's website ------------------------------------

ONLINE_CONSULTATION_LEADS = ("请问", "想咨询一下，", "您好，请问", "")
ONLINE_SUGGESTION_LEADS = ("", "", "提个建议：", "您好，")


def online_consultation(rng: random.Random, *, insurer: Insurer | None, city: str, district: str) -> Text:
    """A question asked online: the same questions as at a site, without a receptionist's lead
    or note of how it was answered there."""
    line, question = _pick(rng, CONSULTATIONS_COMPANY if insurer else CONSULTATIONS_GENERAL, insurer)
    slots = _slots(rng, insurer=insurer, line=line, city=city, district=district, agent="")
    return Text((rng.choice(ONLINE_CONSULTATION_LEADS) + question).format(**slots), line)


def online_suggestion(rng: random.Random, *, insurer: Insurer | None, city: str, district: str) -> Text:
    """A suggestion given online, in the consumer's own words."""
    line, proposal = _pick(rng, SUGGESTIONS_COMPANY if insurer else SUGGESTIONS_GENERAL, insurer)
    slots = _slots(rng, insurer=insurer, line=line, city=city, district=district, agent="")
    return Text((rng.choice(ONLINE_SUGGESTION_LEADS) + proposal).format(**slots), line)
