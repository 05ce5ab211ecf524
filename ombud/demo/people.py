"""Generated people for the demo: names, mobile numbers, ID-card and licence numbers.

Every name is put together at random from common surnames and given-name characters: they are
generated, not real people. ID-card numbers have a valid structure (region of the visitor's
city, a birth date, a GB 11643 check character) but belong to nobody; licence numbers follow
the 20-digit shape of practitioner certificates without being real ones.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from ombud.personal_data import id_check_digit

# Frequent surnames in Guangdong, most frequent first (weights fall off with the position).
SURNAMES = (
    "陈李黄张梁林刘吴罗杨何郑王周钟谢冯曾邓朱许蔡苏卢叶彭潘郭胡余赖方庄袁邱温莫谭廖江徐欧麦孙关严汤骆翁甘颜巫丘范马韦龙"
)
COMPOUND_SURNAMES = ("欧阳", "司徒", "上官", "司马")
GIVEN_MALE = "伟强军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林志文永建国荣海锋"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀玲桂英燕红梅琳莉婷雪慧萍珍佩嘉欣怡彩凤翠妹玉兰"
# Mobile prefixes in use in 2012.
MOBILE_PREFIXES = (
    *range(130, 140),
    147,
    150,
    151,
    152,
    153,
    155,
    156,
    157,
    158,
    159,
    180,
    181,
    182,
    183,
    *range(185, 190),
)


def person_name(rng: random.Random) -> str:
    # A skewed pick: the first surnames are much more common than the last ones.
    common = SURNAMES[int(len(SURNAMES) * rng.random() ** 2)]
    surname = rng.choice(COMPOUND_SURNAMES) if rng.random() < 0.01 else common
    pool = GIVEN_MALE if rng.random() < 0.5 else GIVEN_FEMALE
    if rng.random() < 0.3:
        return surname + rng.choice(pool)
    return surname + rng.choice(pool) + rng.choice(pool)


def mobile_number(rng: random.Random) -> str:
    return f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"


def id_number(rng: random.Random, region_code: str, *, on: date) -> str:
    """An 18-character resident ID number for someone aged 18–75 on `on`."""
    born = on - timedelta(days=rng.randint(18 * 365 + 5, 75 * 365))
    first17 = f"{region_code}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + id_check_digit(first17)


def licence_number(company_rank: int, is_life: bool, city_code: str, serial: int) -> str:
    """A practitioner certificate number: 8-digit company code, 6-digit region, 6-digit serial."""
    return f"0{2 if is_life else 1}000{100 + company_rank:03d}{city_code}{serial:06d}"
