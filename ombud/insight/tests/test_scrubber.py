"""The personal-data scrubber: a corpus of realistic texts with their exact expected output,
the rules one by one, and properties over generated texts (hypothesis)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ombud.insight.names import SURNAMES
from ombud.insight.scrubber import (
    KINDS,
    PLACEHOLDER,
    Span,
    published_segments,
    scrub,
    segments,
)
from ombud.insight.tests.corpus import CORPUS
from ombud.personal_data import id_check_digit, is_valid_id_number, luhn_ok


def assert_consistent(text: str, result) -> None:
    """Spans are sorted, disjoint, inside the text, of a known kind, and replacing each span by
    its replacement gives exactly the scrubbed text."""
    pos, out = 0, []
    for span in result.spans:
        assert span.kind in KINDS
        assert pos <= span.start < span.end <= len(text)
        out.append(text[pos : span.start])
        out.append(span.replacement)
        pos = span.end
    out.append(text[pos:])
    assert "".join(out) == result.text


# ---- the corpus -------------------------------------------------------------------------------


def test_the_corpus_is_large_and_mixed():
    assert len(CORPUS) >= 40
    assert len({s.key for s in CORPUS}) == len(CORPUS)
    unchanged = [s for s in CORPUS if s.text == s.expected]
    assert 5 <= len(unchanged) < len(CORPUS) - 30  # both texts with and without personal data


@pytest.mark.parametrize("sample", CORPUS, ids=[s.key for s in CORPUS])
def test_corpus_text_is_scrubbed_exactly_as_expected(sample):
    result = scrub(sample.text, known=sample.known)
    assert result.text == sample.expected
    assert_consistent(sample.text, result)
    # Scrubbing is idempotent: a published text scrubbed again does not change.
    assert scrub(result.text, known=sample.known).text == result.text


@pytest.mark.parametrize("sample", CORPUS, ids=[s.key for s in CORPUS])
def test_no_identifier_of_the_corpus_survives(sample):
    """Whatever the expected text says, no long digit run (phone, ID, card) is left and no
    known name appears."""
    result = scrub(sample.text, known=sample.known)
    for name in sample.known:
        assert name not in result.text
    for run in re.findall(r"\d{7,}", result.text):
        # The only long digit runs allowed are amounts and dates the texts spell out.
        assert run in {"13800000000", "1200000", "20120324"}, run


def test_the_corpus_covers_every_kind_of_personal_data():
    kinds = set()
    for sample in CORPUS:
        kinds |= {s.kind for s in scrub(sample.text, known=sample.known).spans}
    assert kinds >= {
        "name",
        "phone",
        "id_number",
        "bank_card",
        "email",
        "address",
        "account",
        "plate",
        "policy_no",
        "licence_no",
    }


# ---- the rules one by one ------------------------------------------------------------------------


def test_spans_are_offsets_in_the_original_text_without_the_original():
    text = "投诉人李秀英（电话138-1234-5678）称"
    result = scrub(text, known=["李秀英"])
    assert result.text == "投诉人李某（电话XXXX）称"
    assert result.spans_as_dicts() == [
        {"kind": "name", "start": 3, "end": 6, "replacement": "李某"},
        {"kind": "phone", "start": 9, "end": 22, "replacement": PLACEHOLDER},
    ]
    assert "138" not in str(result.spans_as_dicts())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("手机13812345678。", "手机XXXX。"),
        ("手机138 1234 5678。", "手机XXXX。"),
        ("手机138-1234-5678。", "手机XXXX。"),
        ("电话+8613812345678。", "电话XXXX。"),
        ("电话：0086 13812345678", "电话：XXXX"),
        ("座机020-83331234", "座机XXXX"),
        ("座机(020)83331234", "座机XXXX"),
        ("座机（0668）2881234", "座机XXXX"),
        ("电话02083331234", "电话XXXX"),
        ("单位电话0668-2285566转806", "单位电话XXXX"),
        ("家里电话是8333 1234", "家里电话是XXXX"),
        ("手机尾号5678", "手机尾号XXXX"),
    ],
)
def test_phone_formats(text, expected):
    assert scrub(text).text == expected


@pytest.mark.parametrize(
    "text",
    [
        "拨打12378热线",
        "客服电话95519",
        "客服电话：95511",
        "全国统一客服电话4008-888-888",
        "拨打400-820-8888",
        "报警电话110",
        "共计13812345678元",
        "保额¥13812345678",
        "电话回访于2013-05-12进行",
        "电话20130512回访",
        "15307人次",
    ],
)
def test_public_service_numbers_and_quantities_are_kept(text):
    assert scrub(text).text == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("身份证号440902198503150028", "身份证号XXXX"),
        ("证件440902 19850315 0028", "证件XXXX"),
        ("身份证号44030519660101123X", "身份证号XXXX"),
        ("身份证号44030519660101123x", "身份证号XXXX"),
        ("旧证440902850315002", "旧证XXXX"),
        ("号码440902198503150027有误", "号码XXXX有误"),  # a wrong check character still leaks a person
        ("护照号E12345678", "护照号XXXX"),
    ],
)
def test_id_numbers(text, expected):
    assert scrub(text).text == expected


def test_an_eighteen_digit_number_without_the_shape_of_an_id_is_not_an_id():
    # No valid check character, no birth date where an ID has one, fails Luhn: a plain number.
    number = "990000000000000009"
    assert not is_valid_id_number(number) and not luhn_ok(number)
    assert scrub(f"流水{number}").text == f"流水{number}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("银行卡6228480402564890018", "银行卡XXXX"),
        ("卡6228 4804 0256 4890 018", "卡XXXX"),
        ("转入4367421234567896", "转入XXXX"),
        ("账号：1234 5678 9012", "账号：XXXX"),  # labelled: no Luhn needed
        ("卡号后四位1234", "卡号后四位XXXX"),
    ],
)
def test_bank_cards(text, expected):
    assert scrub(text).text == expected


def test_a_long_number_failing_luhn_without_a_label_is_kept():
    assert not luhn_ok("4367421234567890")
    assert scrub("编号4367421234567890").text == "编号4367421234567890"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("广州市天河区天河路123号45栋678室", "广州市天河区XXXX"),
        ("深圳市南山区科苑路15号科兴科学园B栋3单元1201室", "深圳市南山区XXXX"),
        ("家住幸福花园3栋502", "家住XXXX"),
        ("在人民路45号开店", "在XXXX开店"),
        ("化州市杨梅镇大村3组15号", "化州市杨梅镇XXXX"),
        ("营业厅在天河路", "营业厅在天河路"),  # a street without a number names no one
        ("广州市天河区", "广州市天河区"),
        ("公司3楼", "公司3楼"),
        ("地铁3号线", "地铁3号线"),
        ("保监发〔2013〕35号", "保监发〔2013〕35号"),
    ],
)
def test_addresses_keep_the_district_and_remove_the_detail(text, expected):
    assert scrub(text).text == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("投诉人李秀英称", "投诉人李某称"),
        ("姓名：欧阳娜娜", "姓名：欧阳某"),
        ("业务员：王建国", "业务员：王某"),
        ("李建国先生", "李某先生"),
        ("王小红小姐", "王某小姐"),
        ("客户王先生", "客户王先生"),  # a family name and a title: already how cases say it
        ("客户王小姐", "客户王小姐"),
        ("客户张某某", "客户张某某"),
        ("黄经理", "黄经理"),
        ("客户经理郑伟称", "客户经理郑某称"),
        ("投诉人吴秀珍称…吴秀珍认为", "投诉人吴某称…吴某认为"),  # found once, removed everywhere
        ("消费者向保险公司投诉", "消费者向保险公司投诉"),
        ("投诉人陈述", "投诉人陈述"),
        ("部门经理", "部门经理"),
    ],
)
def test_names_by_label_and_title(text, expected):
    assert scrub(text).text == expected


def test_known_names_are_removed_whatever_the_context():
    text = "经查，李 秀 英与王建国系夫妻，秀英称不知情。高飞亦在场。"
    result = scrub(text, known=["李秀英", "王建国", "高飞"])
    assert result.text == "经查，李某与王某系夫妻，李某称不知情。高某亦在场。"
    assert {s.kind for s in result.spans} == {"name"}


def test_a_one_character_known_name_is_ignored_rather_than_removing_the_character_everywhere():
    assert scrub("王先生称王某已经离职", known=["王"]).text == "王先生称王某已经离职"


def test_known_phone_and_id_match_whatever_the_separators():
    text = "号码1381 2345 678，证号 440902 198503 150028"
    result = scrub(text, known=[("phone", "13812345678"), ("id_number", "440902198503150028")])
    assert result.text == "号码XXXX，证号 XXXX"


def test_known_latin_names_ignore_case_and_spacing():
    result = scrub("Complaint by ZHANG  Wei; zhang wei called twice.", known=["Zhang Wei"])
    assert result.text == "Complaint by XXXX; XXXX called twice."


def test_manual_terms_are_kept_exactly_as_marked():
    text = "理赔员小刘在天河路123号营业厅接待了投诉人，绰号“阿强”。"
    result = scrub(text, known=[("manual", "小刘"), ("manual", "天河路"), ("manual", "阿强")])
    manual = [(s.start, s.end) for s in result.spans if s.kind == "manual"]
    assert [text[a:b] for a, b in manual] == ["小刘", "天河路", "阿强"]
    # The address's number is still removed, next to (not merged into) the manual span.
    assert result.text == "理赔员XXXX在XXXXXXXX营业厅接待了投诉人，绰号“XXXX”。"


def test_a_manual_name_gets_the_name_placeholder():
    assert scrub("据邻居赵铁柱证实", known=[("manual", "赵铁柱")]).text == "据邻居赵某证实"


def test_email_wechat_qq_plate_policy_licence():
    text = "邮箱a.b-c@mail.example.cn，微信wx_li2013，QQ：88886666，车牌粤B·D12345，保单号P2013000123，工号GZ0381。"
    result = scrub(text)
    assert result.text == "邮箱XXXX，微信XXXX，QQ：XXXX，车牌XXXX，保单号XXXX，工号XXXX。"
    assert [s.kind for s in result.spans] == ["email", "account", "account", "plate", "policy_no", "licence_no"]


def test_full_width_digits_are_found_and_offsets_stay_right():
    text = "电话：１３８１２３４５６７８。"
    result = scrub(text)
    assert result.text == "电话：XXXX。"
    (span,) = result.spans
    assert text[span.start : span.end] == "１３８１２３４５６７８"


def test_empty_text():
    assert scrub("").text == "" and scrub("").spans == ()


def test_segments_show_what_is_removed_and_what_replaces_it():
    text = "投诉人李秀英电话13812345678。"
    result = scrub(text, known=["李秀英"])
    segs = segments(text, result.spans)
    assert [(s.text, s.kind, s.replacement) for s in segs] == [
        ("投诉人", "", ""),
        ("李秀英", "name", "李某"),
        ("电话", "", ""),
        ("13812345678", "phone", "XXXX"),
        ("。", "", ""),
    ]
    published = published_segments(result.text, result.spans_as_dicts())
    assert "".join(s.text for s in published) == result.text
    assert [(s.text, s.kind) for s in published if s.kind] == [("李某", "name"), ("XXXX", "phone")]


def test_published_segments_refuse_spans_of_another_text():
    result = scrub("投诉人李秀英称", known=["李秀英"])
    segs = published_segments("另一段文字", result.spans_as_dicts())
    assert [(s.text, s.kind) for s in segs] == [("另一段文字", "")]
    assert segments("短", [Span("name", 3, 6, "李某").as_dict()]) == [segments("短", [])[0]]


# ---- properties ----------------------------------------------------------------------------------

_UNIT_CHARS = set("元万亿块人件次岁年个份张天日月周小时分钟公里千米克号")
# Random Chinese text around a number: any character of the basic block except the units that
# make a number an amount or a count (13812345678元 is read as an amount, by design).
cjk_text = st.text(
    alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF).filter(lambda c: c not in _UNIT_CHARS),
    max_size=30,
)
separators = st.sampled_from(["", "，", "：", " ", "（", "）", "。", "、", "“", "”"])

REGIONS = ["440902", "440106", "440305", "110105", "310104", "510107", "650102", "445302"]


@st.composite
def id_numbers(draw):
    region = draw(st.sampled_from(REGIONS))
    born = draw(st.dates(min_value=date(1920, 1, 1), max_value=date(2020, 12, 31)))
    seq = draw(st.integers(min_value=0, max_value=999))
    first17 = f"{region}{born:%Y%m%d}{seq:03d}"
    number = first17 + id_check_digit(first17)
    if number.endswith("X") and draw(st.booleans()):
        number = number[:-1] + "x"
    if draw(st.booleans()):
        number = f"{number[:6]} {number[6:14]} {number[14:]}"
    return number


@st.composite
def mobiles(draw):
    digits = (
        "1"
        + draw(st.sampled_from("3456789"))
        + "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=9, max_size=9)))
    )
    style = draw(st.sampled_from(["plain", "space", "dash", "+86", "+86 space"]))
    return {
        "plain": digits,
        "space": f"{digits[:3]} {digits[3:7]} {digits[7:]}",
        "dash": f"{digits[:3]}-{digits[3:7]}-{digits[7:]}",
        "+86": "+86" + digits,
        "+86 space": f"+86 {digits[:3]} {digits[3:7]} {digits[7:]}",
    }[style]


@st.composite
def bank_cards(draw):
    length = draw(st.integers(min_value=16, max_value=19))
    prefix = draw(st.sampled_from(["62", "4", "5", "60"]))
    body = prefix + "".join(
        draw(
            st.lists(
                st.sampled_from("0123456789"), min_size=length - len(prefix) - 1, max_size=length - len(prefix) - 1
            )
        )
    )
    number = next(body + d for d in "0123456789" if luhn_ok(body + d))
    if draw(st.booleans()):
        number = " ".join(number[i : i + 4] for i in range(0, len(number), 4))
    return number


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    before=cjk_text,
    sep1=separators,
    number=st.one_of(id_numbers(), mobiles(), bank_cards()),
    sep2=separators,
    after=cjk_text,
)
def test_a_generated_id_phone_or_card_number_in_random_chinese_text_is_always_removed(
    before, sep1, number, sep2, after
):
    text = before + sep1 + number + sep2 + after
    result = scrub(text)
    assert not re.search(r"\d", result.text), (text, result.text)
    assert_consistent(text, result)
    start = len(before) + len(sep1)
    assert any(s.start <= start and s.end >= start + len(number) for s in result.spans)


# Neutral phrases between the numbers (none is a label such as 电话 or 保单号, none starts with
# a family name).
PHRASES = [
    "保险公司",
    "经调解，",
    "合同约定",
    "退保时",
    "理赔款为",
    "共计",
    "其中",
    "截至",
    "累计",
    "。",
    "，",
    "；",
    "按照",
    "于",
    "自",
    "至",
    "约",
    "超过",
    "不足",
    "缴费",
    "赔付",
    "损失",
    "事故发生在",
]
assert not any(p[0] in SURNAMES for p in PHRASES)


@st.composite
def ordinary_numbers(draw):
    kind = draw(st.integers(min_value=0, max_value=12))
    n = draw(st.integers(min_value=0, max_value=10**12))
    d = draw(st.dates(min_value=date(1990, 1, 1), max_value=date(2035, 12, 31)))
    small = draw(st.integers(min_value=1, max_value=99))
    cents = draw(st.integers(min_value=0, max_value=99))
    return [
        f"{n:,}元",
        f"{n}元",
        f"{small}.{cents % 10}万元",
        f"¥{n:,}.{cents:02d}",
        f"￥{n}",
        f"{d.year}年{d.month}月{d.day}日",
        f"{d:%Y-%m-%d}",
        f"{d.year}/{d.month}/{d.day}",
        f"{d:%Y.%m.%d}",
        f"第{small}个保单年度",
        f"缴费{small}年",
        f"{small}.{cents:02d}%",
        f"{n % 100000}人次",
    ][kind]


ARTICLES = st.sampled_from(["第十六条", "第二十三条", "第8号", "12378", "95519", "400-820-8888", "第3季度", "10:30"])


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(st.one_of(ordinary_numbers(), ARTICLES, st.sampled_from(PHRASES)), min_size=1, max_size=12))
def test_amounts_dates_policy_years_and_counts_are_never_touched(parts):
    # Parts are separated as in real text: two numbers run together ("1999-01-01400-820-8888")
    # are one digit string, which may rightly look like a phone or card number.
    text = "，".join(parts)
    result = scrub(text)
    assert result.text == text, [text[s.start : s.end] for s in result.spans]


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(max_size=200),
    known=st.lists(st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=5), max_size=3),
    inserted=st.booleans(),
)
def test_any_text_gives_consistent_spans_and_never_shows_a_known_name(text, known, inserted):
    if inserted and known:
        text = text[: len(text) // 2] + known[0] + text[len(text) // 2 :]
    result = scrub(text, known=known)
    assert_consistent(text, result)
    for name in known:
        if len(name) >= 2 and "某" not in name:
            assert name not in result.text
