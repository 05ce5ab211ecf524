"""Find and replace personal data in Chinese (and mixed) complaint texts before publication.

    >>> s = scrub("投诉人李秀英（电话138-1234-5678）称…", known=["李秀英"])
    >>> s.text
    '投诉人李某（电话XXXX）称…'
    >>> [(x.kind, x.start, x.end) for x in s.spans]
    [('name', 3, 6), ('phone', 9, 22)]

What is found, how, what is kept and the known limits: docs/scrubbing.md. In short:

- numbers that identify a person: mobile and landline phones, ID-card numbers (18 digits with
  the GB 11643-1999 check character, or the region-and-birth-date structure of a mistyped one;
  15-digit old ones), bank-card numbers (16–19 digits passing the Luhn check, or any digits
  after 卡号/账号), QQ and WeChat accounts, vehicle plates, and the numbers after 保单号,
  赔案号, 身份证号, 执业证号 and similar labels;
- e-mail addresses; the detailed part of a postal address (street, number, building, room),
  keeping the province, city and district;
- names: the ones the caller knows (`known`), matched exactly; others after a label
  (投诉人李秀英, 业务员：王建国) or before a title (张伟先生), when the characters are a
  plausible family name and given name.

Amounts, dates, percentages, counts, article numbers and public service numbers (12378,
95519, 400-…) are left alone. Replacements: 张某 for a name (the convention of published
Chinese cases: the family name and 某), ``XXXX`` for anything else — whatever the length of
what it replaces, so that the placeholder says nothing about it (the US CFPB's convention).

Spans are offsets into the *original* text with the kind and the replacement; they never hold
the original text. The module is pure Python (no database, no Django settings).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from ombud.insight.names import COMPOUND_SURNAMES, GIVEN_NAME_CHARS, NAME_LABELS, SURNAMES, TITLES
from ombud.personal_data import PATTERNS, PersonalPattern, is_valid_id_number

PLACEHOLDER = "XXXX"
NAME_MARK = "某"

# Kinds, and which one names a merged span when two findings overlap (higher wins).
PRIORITY = {
    "manual": 20,  # a reviewer's own marks are never merged away (see `scrub`)
    "policy_no": 12,  # a label (保单号…) says more than the shape of the digits
    "licence_no": 12,
    "id_number": 10,
    "bank_card": 9,
    "phone": 8,
    "email": 8,
    "account": 7,
    "plate": 7,
    "address": 4,
    "name": 3,
}
KINDS = tuple(PRIORITY)

# Public service numbers: never personal, kept even after 电话 (RULES.md: 12378 is the
# regulator's consumer hotline; insurers' 95xxx numbers, 400/800 numbers).
PUBLIC_NUMBERS = frozenset({"12378", "12345", "12315", "12363", "12366", "110", "119", "120", "122"})

_CJK = "\u3400-\u4dbf\u4e00-\u9fff"


# Full-width ASCII (ＡＢＣ１２３：) and the ideographic space, mapped one character to one
# character so that offsets in the normalised text are offsets in the original.
_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


@dataclass(frozen=True, slots=True)
class Span:
    kind: str
    start: int  # offsets in the original text, end exclusive
    end: int
    replacement: str

    def as_dict(self) -> dict:
        return {"kind": self.kind, "start": self.start, "end": self.end, "replacement": self.replacement}


@dataclass(frozen=True)
class Scrubbed:
    text: str
    spans: tuple[Span, ...]

    def spans_as_dicts(self) -> list[dict]:
        return [s.as_dict() for s in self.spans]

    def counts(self) -> Counter:
        return Counter(s.kind for s in self.spans)


@dataclass(frozen=True, slots=True)
class Segment:
    """A piece of a text for display: kept text (`kind` empty) or a replaced span."""

    text: str  # the original piece
    kind: str = ""
    replacement: str = ""


# ---- helpers ------------------------------------------------------------------------------------

_SURNAME_CLASS = "".join(sorted(SURNAMES))
_GIVEN_CLASS = "".join(sorted(GIVEN_NAME_CHARS))
_COMPOUND = "|".join(COMPOUND_SURNAMES)
_TITLE_ALT = "|".join(sorted(TITLES, key=len, reverse=True))
_CJK_NAME_RE = re.compile(rf"[{_CJK}·]{{2,6}}")


def surname_of(name: str) -> str:
    name = re.sub(r"\s+", "", name)
    for compound in COMPOUND_SURNAMES:
        if name.startswith(compound) and len(name) >= 3:
            return compound
    return name[:1]


def looks_like_name(text: str) -> bool:
    """2–4 Chinese characters starting with a family name of the list."""
    t = re.sub(r"\s+", "", text)
    if not re.fullmatch(rf"[{_CJK}]{{2,4}}", t):
        return False
    return t[:2] in COMPOUND_SURNAMES or t[0] in SURNAMES


def name_replacement(original: str) -> str:
    """张伟 → 张某, 欧阳娜娜 → 欧阳某; a name in Latin letters → XXXX."""
    compact = re.sub(r"\s+", "", original)
    if compact and re.match(rf"[{_CJK}]", compact):
        return surname_of(compact) + NAME_MARK
    return PLACEHOLDER


def replacement_for(kind: str, original: str) -> str:
    if kind == "name" or (kind == "manual" and looks_like_name(original)):
        return name_replacement(original)
    return PLACEHOLDER


# The first two digits of a resident ID number: the province-level region (GB/T 2260).
_PROVINCE_CODES = frozenset(
    {*map(str, range(11, 16)), *map(str, range(21, 24)), *map(str, range(31, 38)), *map(str, range(41, 47))}
    | {*map(str, range(50, 55)), *map(str, range(61, 66)), "71", "81", "82"}
)
_DATE8 = re.compile(r"(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])")
_DATE6 = re.compile(r"\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])")


def looks_like_id_number(digits: str) -> bool:
    """18 characters with a valid check character, or a region code and a birth date where an
    ID number has them (a mistyped check character must not leak a real number); 15 digits of
    the old format with a region code and a birth date."""
    if len(digits) == 18:
        if is_valid_id_number(digits):
            return True
        return digits[:2] in _PROVINCE_CODES and bool(_DATE8.fullmatch(digits[6:14]))
    if len(digits) == 15 and digits.isdigit():
        return digits[:2] in _PROVINCE_CODES and bool(_DATE6.fullmatch(digits[6:12]))
    return False


# A number directly before these is an amount, a count or a date, not an identifier.
_UNIT_AFTER = re.compile(
    r"\s?(?:元|万|亿|块|美元|港元|%|‰|人次|人|件|次|岁|年|个|份|张|天|日|月|周|小时|分钟|公里|千米|米|公斤|克)"
)
_CURRENCY_BEFORE = re.compile(r"(?:[¥$￥]|RMB|CNY)\s?$")


def _is_quantity(norm: str, start: int, end: int) -> bool:
    if _UNIT_AFTER.match(norm, end):
        return True
    return bool(_CURRENCY_BEFORE.search(norm, max(0, start - 4), start))


def _is_number_word(norm: str, m: re.Match, group: str) -> bool:
    """After a label, a date (2013-03-24) or a quantity (1200元) is not an identifier."""
    return bool(_DATE_LIKE.fullmatch(m.group(group).strip())) or _is_quantity(norm, m.start(group), m.end(group))


def _digits(s: str) -> str:
    return re.sub(r"[^0-9Xx]", "", s).upper()


# ---- patterns -----------------------------------------------------------------------------------

_SEP = r"(?:[:\s]|为|是|：){0,3}"

# The shapes of identifying numbers and e-mail addresses are the registry's
# (`personal_data.PATTERNS`); here are the labels that introduce a number and the scrubber's
# tests of context.

_ID_LABELLED = re.compile(
    rf"(?:身份证号码|身份证号|身份证|公民身份号码|证件号码|证件号|护照号码|护照号|通行证号码|通行证号|军官证号)"
    rf"{_SEP}(?P<num>[A-Za-z0-9]*\d[A-Za-z0-9]*(?:\s\d+)*)"
)

_BANK_LABELLED = re.compile(
    rf"(?:银行卡号|银行卡|信用卡号|信用卡|借记卡|储蓄卡|卡号|银行账号|银行帐号|账号|帐号|账户|帐户|收款账户|收款帐户)"
    rf"{_SEP}(?P<num>\d[\d\s-]{{8,30}}\d)"
)

_PHONE_LABELLED = re.compile(
    rf"(?:联系电话|电话号码|手机号码|手机号|移动电话|固定电话|固话|座机|电话|手机|联系方式|Tel|TEL|tel|Phone|phone|Mobile|mobile)"
    rf"{_SEP}(?P<num>\+?\d[\d\s-]{{5,18}}\d)"
)
_TAIL = re.compile(rf"(?:尾号|末四位|后四位|末尾){_SEP}(?P<num>\d{{3,4}})(?!\d)")
_DATE_LIKE = re.compile(
    r"(?:19|20)\d{2}[-/.]\d{1,2}[-/.]\d{1,2}|(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
)

_QQ = re.compile(rf"(?:QQ|qq|Qq)(?:号码|号)?{_SEP}(?P<num>[1-9]\d{{4,11}})(?!\d)")
_WECHAT = re.compile(
    rf"(?:微信号|微信|WeChat|wechat|Wechat){_SEP}(?P<num>[A-Za-z][-_A-Za-z0-9]{{5,19}})(?![-_A-Za-z0-9])"
)

_PLATE = re.compile(
    r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Z][·•\s-]?"
    r"[A-HJ-NP-Z0-9]{4}[A-HJ-NP-Z0-9挂学警港澳]{1,2}(?![A-Za-z0-9])"
)

_POLICY = re.compile(
    rf"(?:保险单号码|保险单号|保险单编号|保单号码|保单号|保单编号|投保单号码|投保单号|保险合同号|保险合同编号|合同编号|合同号"
    rf"|批单号|赔案号|理赔案号|理赔编号|报案号|报案编号|案件号|案件编号|立案号|工单号|受理编号|受理号|投诉编号|跟踪号|回执号)"
    rf"{_SEP}(?P<num>[A-Za-z0-9][A-Za-z0-9-]{{4,39}})(?![A-Za-z0-9])"
)
_LICENCE = re.compile(
    rf"(?:执业证书编号|执业证编号|执业证号|执业证|资格证书编号|资格证书号|资格证编号|资格证号|执业登记号|工号)"
    rf"{_SEP}(?P<num>[A-Za-z0-9][A-Za-z0-9-]{{2,39}})(?![A-Za-z0-9])"
)

# Addresses: a street or estate word, then numbers with units (123号45栋678室).
_STREET = r"(?:大道|大街|胡同|社区|小区|花园|家园|新村|公寓|大厦|广场|路|街|巷|弄|村|屯|苑|庭|园|城|里|湾)"
_DIR = r"(?:[东西南北中]|[一二三四五六七八九十\d]{1,3}段)?"
_NUM = r"[0-9A-Za-z一二三四五六七八九十百零〇]+(?:[-之][0-9A-Za-z一二三四五六七八九十]+)?"
_UNIT = r"(?:号楼|号院|号|栋|幢|座|单元|楼|层|室|房|组|户|弄|巷|期)"
_STRONG = r"(?:号|栋|幢|座|单元|室|房|组|户)"
_ADDRESS = re.compile(
    rf"{_STREET}{_DIR}(?P<chain>(?:{_NUM}{_UNIT})+(?:\d{{2,5}}(?![\d]))?)"
    rf"(?:[{_CJK}]{{1,10}}?{_NUM}(?:栋|幢|座|单元|室|房)(?:{_NUM}{_UNIT})*(?:\d{{2,5}}(?!\d))?)?"
)
_STRONG_RE = re.compile(_STRONG)
# Where the name of a street stops, going left: an administrative unit ends, or a word that
# introduces an address (家住, 位于, 寄至…).
_ADDRESS_STOP = frozenset("省市区县镇乡州旗盟道住在于至到址往从自近位的是为和与及向对")
_ADDRESS_NAME_MAX = 8

_LABEL_ALT = "|".join(sorted(NAME_LABELS, key=len, reverse=True))
_NAME_AFTER_LABEL = re.compile(rf"(?:{_LABEL_ALT})(?:[:\s]|为|是|叫|：){{0,3}}(?P<sur>{_COMPOUND}|[{_SURNAME_CLASS}])")
_TITLE_AFTER = re.compile(rf"(?:{_TITLE_ALT})")
_GIVEN_RE = re.compile(rf"[{_GIVEN_CLASS}]{{1,2}}")
_NAME_BEFORE_TITLE = re.compile(
    rf"(?P<sur>{_COMPOUND}|[{_SURNAME_CLASS}])(?P<given>[{_GIVEN_CLASS}]{{1,2}})(?={_TITLE_ALT})"
)


# ---- detectors: each yields (kind, start, end, replacement or "") over the normalised text ----


# What the scrubber asks of a registered kind's finding beyond its shape. A kind not named here
# (bank cards among them: 16–19 digits passing Luhn) must pass the registry's check, on the
# finding without spaces and hyphens, and not be an amount or a count.
_ACCEPT: dict[str, Callable[[str, re.Match], bool]] = {
    "email": lambda norm, m: True,
    # a mistyped check character must not leak a real number: the structure is enough
    "id_number": lambda norm, m: looks_like_id_number(_digits(m.group())),
    "id_number_15": lambda norm, m: looks_like_id_number(m.group()) and not _is_quantity(norm, m.start(), m.end()),
    "mobile": lambda norm, m: not _is_quantity(norm, m.start(), m.end()),
    "landline": lambda norm, m: not _DATE_LIKE.fullmatch(m.group()) and not _is_quantity(norm, m.start(), m.end()),
}


def _accepted(pattern: PersonalPattern, norm: str, m: re.Match) -> bool:
    accept = _ACCEPT.get(pattern.kind)
    if accept is not None:
        return accept(norm, m)
    return pattern.is_valid(re.sub(r"[\s-]", "", m.group())) and not _is_quantity(norm, m.start(), m.end())


def _registered(norm: str):
    """Every kind of the registry (`personal_data.PATTERNS`), by its shape in running text."""
    for pattern in PATTERNS.values():
        for m in pattern.text_re.finditer(norm):
            if _accepted(pattern, norm, m):
                yield pattern.span_kind, m.start(), m.end()


def _id_numbers(norm: str):
    for m in _ID_LABELLED.finditer(norm):
        if len(_digits(m.group("num"))) >= 6 and not _is_number_word(norm, m, "num"):
            yield "id_number", m.start("num"), m.end("num")


def _bank_cards(norm: str):
    for m in _BANK_LABELLED.finditer(norm):
        if 10 <= len(_digits(m.group("num"))) <= 25 and not _is_number_word(norm, m, "num"):
            yield "bank_card", m.start("num"), m.end("num")


def _is_public(digits: str) -> bool:
    return (
        digits in PUBLIC_NUMBERS
        or (len(digits) == 5 and digits.startswith(("95", "96")))
        or (len(digits) == 10 and digits.startswith(("400", "800")))
    )


def _phones(norm: str):
    for m in _PHONE_LABELLED.finditer(norm):
        raw = m.group("num").strip()
        digits = _digits(raw)
        if (
            7 <= len(digits) <= 14
            and not _is_public(digits)
            and not _DATE_LIKE.fullmatch(raw)
            and not _is_quantity(norm, m.start("num"), m.end("num"))
        ):
            yield "phone", m.start("num"), m.end("num")
    for m in _TAIL.finditer(norm):
        if _is_number_word(norm, m, "num"):
            continue
        kind = "bank_card" if "卡" in norm[max(0, m.start() - 6) : m.start()] else "phone"
        yield kind, m.start("num"), m.end("num")


def _accounts(norm: str):
    for pattern in (_QQ, _WECHAT):
        for m in pattern.finditer(norm):
            if not _is_number_word(norm, m, "num"):
                yield "account", m.start("num"), m.end("num")


def _plates(norm: str):
    for m in _PLATE.finditer(norm):
        if any(ch.isdigit() for ch in m.group()):
            yield "plate", m.start(), m.end()


def _references(norm: str):
    for m in _POLICY.finditer(norm):
        if sum(ch.isdigit() for ch in m.group("num")) >= 4 and not _is_number_word(norm, m, "num"):
            yield "policy_no", m.start("num"), m.end("num")
    for m in _LICENCE.finditer(norm):
        if sum(ch.isdigit() for ch in m.group("num")) >= 3 and not _is_number_word(norm, m, "num"):
            yield "licence_no", m.start("num"), m.end("num")


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u4dbf" or "\u4e00" <= ch <= "\u9fff"


def _addresses(norm: str):
    for m in _ADDRESS.finditer(norm):
        if not _STRONG_RE.search(m.group("chain")) and not _STRONG_RE.search(norm, m.end("chain"), m.end()):
            continue
        start = m.start()
        # The street's own name, going left until a district, a town or 家住/位于… ends it.
        floor = max(0, start - _ADDRESS_NAME_MAX)
        while start > floor and _is_cjk(norm[start - 1]) and norm[start - 1] not in _ADDRESS_STOP:
            start -= 1
        if start == m.start():
            # "路12号" with no name before it: keep the word, remove the numbers.
            start = m.start("chain")
        yield "address", start, m.end()


def _names(norm: str):
    for m in _NAME_AFTER_LABEL.finditer(norm):
        after = m.end("sur")
        if _TITLE_AFTER.match(norm, after):
            continue  # 客户王先生: a family name and a title is how published cases say it
        given = _GIVEN_RE.match(norm, after)
        if given:
            yield "name", m.start("sur"), given.end()
    for m in _NAME_BEFORE_TITLE.finditer(norm):
        yield "name", m.start(), m.end()


def _repeated_names(norm: str, found: list[tuple[str, int, int, str]]):
    """A name a pattern found once (投诉人吴秀珍) is removed wherever else it appears (吴秀珍称…)."""
    names = {norm[start:end] for kind, start, end, _r in found if kind == "name" and end - start >= 2}
    for name in names:
        at = norm.find(name)
        while at != -1:
            yield "name", at, at + len(name), ""
            at = norm.find(name, at + len(name))


def _known_patterns(known: Iterable[str | tuple[str, str]]) -> list[tuple[str, re.Pattern, str]]:
    """(kind, pattern, replacement) for each value the caller knows."""
    out: list[tuple[str, re.Pattern, str]] = []
    for item in known:
        kind, value = ("name", item) if isinstance(item, str) else item
        value = (value or "").translate(_FULLWIDTH).strip()
        if not value:
            continue
        if kind in ("phone", "id_number", "bank_card"):
            digits = _digits(value.removeprefix("+86"))
            if len(digits) < 7:
                continue
            body = r"[\s-]?".join(re.escape(d) for d in digits)
            out.append((kind, re.compile(rf"(?<![0-9]){body}(?![0-9])", re.IGNORECASE), PLACEHOLDER))
        elif kind == "name":
            compact = re.sub(r"\s+", "", value)
            if len(compact) < 2:
                continue  # one character would remove that character everywhere
            if _CJK_NAME_RE.fullmatch(compact):
                repl = name_replacement(compact)
                out.append(("name", re.compile(r"\s*".join(map(re.escape, compact))), repl))
                surname = surname_of(compact)
                given = compact[len(surname) :]
                if len(given) >= 2:
                    # 秀英 for 李秀英: the given name alone still names her.
                    out.append(("name", re.compile(r"\s*".join(map(re.escape, given))), repl))
            else:
                words = [re.escape(w) for w in value.split()]
                pattern = re.compile(r"(?<![A-Za-z])" + r"[\s.]*".join(words) + r"(?![A-Za-z])", re.IGNORECASE)
                out.append(("name", pattern, PLACEHOLDER))
        else:
            if len(value) < 2:
                continue
            repl = replacement_for(kind, value)
            out.append((kind, re.compile(re.escape(value), re.IGNORECASE), repl))
    return out


_DETECTORS = (_registered, _id_numbers, _bank_cards, _phones, _accounts, _plates, _references, _addresses, _names)


# ---- resolving overlaps and replacing ------------------------------------------------------------


def _union(cands: list[tuple[str, int, int, str]]) -> list[tuple[str, int, int, str]]:
    """Overlapping findings become one span, named by the highest-priority kind."""
    cands.sort(key=lambda c: (c[1], -c[2], -PRIORITY[c[0]]))
    merged: list[list] = []
    for kind, start, end, repl in cands:
        if merged and start < merged[-1][2]:
            last = merged[-1]
            if end > last[2]:
                last[2] = end
                last[3] = ""  # the piece changed: recompute the replacement
            if PRIORITY[kind] > PRIORITY[last[0]]:
                last[0], last[3] = kind, ""
            continue
        merged.append([kind, start, end, repl])
    return [tuple(m) for m in merged]


def _clip(spans, hard) -> list:
    """Cut the parts of `spans` that fall inside the `hard` (manual) spans."""
    out = []
    for kind, start, end, repl in spans:
        pieces = [(start, end)]
        for _k, hs, he, _r in hard:
            nxt = []
            for s, e in pieces:
                if he <= s or hs >= e:
                    nxt.append((s, e))
                    continue
                if s < hs:
                    nxt.append((s, hs))
                if he < e:
                    nxt.append((he, e))
            pieces = nxt
        for s, e in pieces:
            out.append((kind, s, e, repl if (s, e) == (start, end) else ""))
    return out


def scrub(text: str, *, known: Iterable[str | tuple[str, str]] = ()) -> Scrubbed:
    """Replace the personal data in `text`.

    `known`: values to remove wherever they appear, whatever the patterns say — a plain string
    is a person's name (the complainant's, the practitioner's); a pair is (kind, value) with
    kind "name", "phone", "id_number", "bank_card", "manual" (a term a reviewer marked) or any
    other kind of `KINDS`.
    """
    if not text:
        return Scrubbed(text or "", ())
    norm = text.translate(_FULLWIDTH)
    manual: list[tuple[str, int, int, str]] = []
    found: list[tuple[str, int, int, str]] = []
    for kind, pattern, repl in _known_patterns(known):
        target = manual if kind == "manual" else found
        target.extend((kind, m.start(), m.end(), repl) for m in pattern.finditer(norm) if m.end() > m.start())
    for detector in _DETECTORS:
        found.extend((kind, start, end, "") for kind, start, end in detector(norm) if end > start)
    found.extend(_repeated_names(norm, found))
    hard = _union(manual)
    spans = sorted(_clip(_union(found), hard) + hard, key=lambda s: s[1])
    out: list[str] = []
    result: list[Span] = []
    pos = 0
    for kind, start, end, repl in spans:
        piece = text[start:end]
        replacement = repl or replacement_for(kind, piece)
        out.append(text[pos:start])
        out.append(replacement)
        result.append(Span(kind, start, end, replacement))
        pos = end
    out.append(text[pos:])
    return Scrubbed("".join(out), tuple(result))


# ---- display ------------------------------------------------------------------------------------


def segments(text: str, spans: Sequence[Span | dict]) -> list[Segment]:
    """`text` (the original) cut into kept pieces and replaced spans, for highlighting both
    what is removed and what replaces it. Spans that do not fit the text are ignored."""
    out: list[Segment] = []
    pos = 0
    for raw in sorted((s.as_dict() if isinstance(s, Span) else s for s in spans), key=lambda s: s["start"]):
        start, end = int(raw["start"]), int(raw["end"])
        if start < pos or end > len(text) or end <= start:
            continue
        if start > pos:
            out.append(Segment(text[pos:start]))
        piece = text[start:end]
        out.append(Segment(piece, raw["kind"], raw.get("replacement") or replacement_for(raw["kind"], piece)))
        pos = end
    if pos < len(text):
        out.append(Segment(text[pos:]))
    return out


def published_segments(scrubbed: str, spans: Sequence[dict]) -> list[Segment]:
    """The scrubbed text cut into kept pieces and placeholders, from the stored spans alone
    (no original text): each replacement's position follows from the ones before it."""
    out: list[Segment] = []
    pos = 0
    shift = 0
    for raw in sorted(spans, key=lambda s: s["start"]):
        repl = raw.get("replacement", "")
        at = int(raw["start"]) + shift
        if at < pos or scrubbed[at : at + len(repl)] != repl:
            return [Segment(scrubbed)]  # spans from another version of the text: no highlighting
        if at > pos:
            out.append(Segment(scrubbed[pos:at]))
        out.append(Segment(repl, raw["kind"], repl))
        pos = at + len(repl)
        shift += len(repl) - (int(raw["end"]) - int(raw["start"]))
    if pos < len(scrubbed):
        out.append(Segment(scrubbed[pos:]))
    return out
