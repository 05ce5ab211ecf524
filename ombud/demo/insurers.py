"""The insurers of the demo: real legal names from `directory/data`, with short names and types.

`insurers_guangdong.csv` lists the 32 companies whose registered operating area names
Guangdong; its source does not match nationwide insurers (see the data's PROVENANCE), so the
country's largest insurers, which had branches in every Guangdong city in 2012, are added from
`insurers.csv`. Some of the names are later than 2012 (companies renamed or founded since):
the demo uses the names as shipped.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ombud.directory.models import Organization

DATA = Path(__file__).resolve().parent.parent / "directory" / "data"

# Nationwide insurers with branches across Guangdong, taken from insurers.csv.
NATIONWIDE = (
    "中国人寿保险股份有限公司",
    "中国人民财产保险股份有限公司",
    "中国人民人寿保险股份有限公司",
    "中国人寿财产保险股份有限公司",
    "新华人寿保险股份有限公司",
    "泰康人寿保险有限责任公司",
    "太平人寿保险有限公司",
    "阳光财产保险股份有限公司",
    "天安财产保险股份有限公司",
    "中国人民健康保险股份有限公司",
)

# How widely each company is present in the province: a city whose site hosts n companies
# takes (mostly) the first n. The biggest also receive the most visitors.
PRESENCE = (
    "中国人寿保险股份有限公司",
    "中国人民财产保险股份有限公司",
    "中国平安人寿保险股份有限公司",
    "中国平安财产保险股份有限公司",
    "中国太平洋人寿保险股份有限公司",
    "中国太平洋财产保险股份有限公司",
    "新华人寿保险股份有限公司",
    "泰康人寿保险有限责任公司",
    "中国人寿财产保险股份有限公司",
    "中国大地财产保险股份有限公司",
    "中华联合财产保险股份有限公司",
    "中国人民人寿保险股份有限公司",
    "太平人寿保险有限公司",
    "阳光财产保险股份有限公司",
    "天安财产保险股份有限公司",
    "富德生命人寿保险股份有限公司",
    "永安财产保险股份有限公司",
    "中国人民健康保险股份有限公司",
    "永诚财产保险股份有限公司",
    "珠江人寿保险股份有限公司",
    "建信人寿保险股份有限公司",
    "平安养老保险股份有限公司",
    "平安健康保险股份有限公司",
    "友邦人寿保险有限公司",
    "工银安盛人寿保险有限公司",
    "招商信诺人寿保险有限公司",
    "大家财产保险有限责任公司",
    "和谐健康保险股份有限公司",
    "富德财产保险股份有限公司",
    "北大方正人寿保险有限公司",
    "汇丰人寿保险有限公司",
    "同方全球人寿保险有限公司",
    "陆家嘴国泰人寿保险有限责任公司",
    "北部湾财产保险股份有限公司",
    "京东安联财产保险有限公司",
    "美亚财产保险有限公司",
    "史带财产保险股份有限公司",
    "三井住友海上火灾保险(中国)有限公司",
    "日本兴亚财产保险（中国）有限责任公司",
    "现代财产保险（中国）有限公司",
    "凯本财产保险（中国）有限公司",
    "复星联合健康保险股份有限公司",
)

# Short names in common use where the rule below would not give them.
SHORT_NAMES = {
    "中国人寿保险股份有限公司": "中国人寿",
    "中国人民财产保险股份有限公司": "人保财险",
    "中国人民人寿保险股份有限公司": "人保寿险",
    "中国人民健康保险股份有限公司": "人保健康",
    "中国人寿财产保险股份有限公司": "国寿财险",
    "中国平安人寿保险股份有限公司": "平安人寿",
    "中国平安财产保险股份有限公司": "平安财险",
    "中国太平洋人寿保险股份有限公司": "太保寿险",
    "中国太平洋财产保险股份有限公司": "太保财险",
    "中国大地财产保险股份有限公司": "大地保险",
    "三井住友海上火灾保险(中国)有限公司": "三井住友",
    "日本兴亚财产保险（中国）有限责任公司": "日本兴亚",
}

# insurers.csv company_type_en → Organization.CompanyType
COMPANY_TYPES = {
    "property_casualty": Organization.CompanyType.PROPERTY_CASUALTY,
    "agricultural": Organization.CompanyType.PROPERTY_CASUALTY,
    "liability": Organization.CompanyType.PROPERTY_CASUALTY,
    "mutual_property": Organization.CompanyType.PROPERTY_CASUALTY,
    "life": Organization.CompanyType.LIFE,
    "health": Organization.CompanyType.LIFE,
    "pension": Organization.CompanyType.LIFE,
    "mutual_life": Organization.CompanyType.LIFE,
    "reinsurance": Organization.CompanyType.REINSURANCE,
    "group_holding": Organization.CompanyType.GROUP,
}

_SUFFIX = re.compile(r"(保险)?(股份)?有限(责任)?公司$")
_COUNTRY = re.compile(r"[（(]中国[)）]")


def short_name(legal_name: str) -> str:
    """中国人寿保险股份有限公司 → 中国人寿; 永安财产保险股份有限公司 → 永安财险."""
    if legal_name in SHORT_NAMES:
        return SHORT_NAMES[legal_name]
    name = _SUFFIX.sub("", _COUNTRY.sub("", legal_name))
    if name.endswith("财产"):
        name = name.removesuffix("财产") + "财险"
    return name


@dataclass(frozen=True)
class Insurer:
    name: str
    short_name: str
    company_type: str  # Organization.CompanyType
    business: str  # insurers.csv company_type_en: life, health, pension, property_casualty, ...
    rank: int  # position in PRESENCE: 0 is everywhere and busiest

    @property
    def is_life(self) -> bool:
        return self.company_type == Organization.CompanyType.LIFE


def _csv(name: str) -> list[dict]:
    with (DATA / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@cache
def demo_insurers() -> tuple[Insurer, ...]:
    """The demo's insurers, in PRESENCE order."""
    types = {r["legal_name_zh"]: r["company_type_en"] for r in _csv("insurers.csv")}
    names = [r["legal_name_zh"] for r in _csv("insurers_guangdong.csv")] + list(NATIONWIDE)
    missing = sorted(set(names) - set(PRESENCE))
    if missing:
        raise ValueError(f"insurers without a place in PRESENCE: {missing}")
    out = []
    for rank, name in enumerate(n for n in PRESENCE if n in names):
        business = types[name]
        out.append(Insurer(name, short_name(name), COMPANY_TYPES.get(business, "other"), business, rank))
    return tuple(out)


def branch_name(legal_name: str, city_name: str) -> str:
    """中国人寿保险股份有限公司, 茂名市 → 中国人寿保险股份有限公司茂名分公司."""
    return f"{legal_name}{city_name.removesuffix('市')}分公司"
