"""The figures of the Guangdong reception day (SEED.md) and how the demo spreads them.

The article gives the province totals and Maoming's figures; everything per city beyond that
is the demo's choice: a weight per city (bigger, richer cities received more visitors) and a
few factors that make cities differ in their mix of complaints, suggestions and time-limited
cases. Totals are split with the largest-remainder method, so every sum is exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

DAY = date(2012, 3, 24)
CAMPAIGN_NAME = "广东保险服务大接访"
PROVINCE = "440000"
SHENZHEN = "440300"
MAOMING = "440900"
GUANGZHOU = "440100"

# Province totals (SEED.md).
VISITS = 15_307
COMPLAINTS = 1_540
RESOLVED_ON_SITE = 1_240
TIME_LIMITED = 300
CONSULTATIONS = 12_338
SUGGESTIONS = 1_429
STAFF_OVER = 6_000
EXECUTIVES = 1_500

# Maoming (SEED.md): 21 companies, nearly 300 staff, 205 consultations, 13 suggestions,
# 14 practitioners complained about, 10 complaints handled on the spot, 4 referred.
MAOMING_FIGURES = {"consultations": 205, "suggestions": 13, "resolved_on_site": 10, "time_limited": 4, "referred": 4}
MAOMING_COMPANIES = 21
MAOMING_STAFF = 296

# Time-limited cases elsewhere that the regulator takes over (递交跟踪处理): the demo's choice.
REFERRED_ELSEWHERE = 40


@dataclass(frozen=True)
class City:
    code: str
    name: str  # as in the region table
    weight: int  # relative number of visitors
    complaint_factor: float  # share of complaints relative to the province's
    suggestion_factor: float
    time_limited_factor: float  # share of complaints that could not be settled on the spot
    companies: int  # insurers taking part at the site
    staff: int  # people rostered at the site, the bureau's own included
    site_name: str
    address: str  # illustrative, not a surveyed address


# Site names and addresses are illustrative (generic street names), except Maoming's square,
# which the article names.
CITIES: tuple[City, ...] = (
    City("440100", "广州市", 100, 1.10, 1.20, 1.15, 42, 820, "广州市保险服务大接访接待点", "广州市越秀区中山路"),
    City("440200", "韶关市", 15, 0.90, 0.80, 0.90, 22, 220, "韶关市保险服务大接访接待点", "韶关市浈江区解放路"),
    City("440400", "珠海市", 18, 0.95, 1.30, 1.00, 30, 280, "珠海市保险服务大接访接待点", "珠海市香洲区人民路"),
    City("440500", "汕头市", 33, 1.05, 0.90, 1.10, 30, 330, "汕头市保险服务大接访接待点", "汕头市金平区中山路"),
    City("440600", "佛山市", 62, 1.00, 1.10, 0.95, 38, 560, "佛山市保险服务大接访接待点", "佛山市禅城区人民路"),
    City("440700", "江门市", 27, 0.95, 1.00, 0.85, 31, 320, "江门市保险服务大接访接待点", "江门市蓬江区建设路"),
    City("440800", "湛江市", 31, 1.10, 0.85, 1.20, 27, 330, "湛江市保险服务大接访接待点", "湛江市赤坎区人民大道"),
    City("440900", "茂名市", 0, 0.0, 0.0, 0.0, 21, 296, "茂名市文化广场", "茂名市茂南区文化广场"),
    City("441200", "肇庆市", 19, 0.85, 0.95, 0.90, 25, 250, "肇庆市保险服务大接访接待点", "肇庆市端州区建设路"),
    City("441300", "惠州市", 25, 1.00, 1.05, 1.00, 31, 310, "惠州市保险服务大接访接待点", "惠州市惠城区人民路"),
    City("441400", "梅州市", 18, 0.80, 0.90, 0.80, 22, 230, "梅州市保险服务大接访接待点", "梅州市梅江区人民广场"),
    City("441500", "汕尾市", 10, 0.90, 0.70, 1.10, 17, 160, "汕尾市保险服务大接访接待点", "汕尾市城区人民路"),
    City("441600", "河源市", 11, 0.85, 0.80, 0.90, 18, 170, "河源市保险服务大接访接待点", "河源市源城区建设大道"),
    City("441700", "阳江市", 12, 0.95, 0.75, 1.00, 19, 190, "阳江市保险服务大接访接待点", "阳江市江城区东风路"),
    City("441800", "清远市", 17, 0.90, 0.85, 0.95, 22, 220, "清远市保险服务大接访接待点", "清远市清城区人民路"),
    City("441900", "东莞市", 58, 1.20, 1.00, 1.10, 38, 540, "东莞市保险服务大接访接待点", "东莞市南城区鸿福路"),
    City("442000", "中山市", 26, 1.00, 1.15, 0.90, 32, 330, "中山市保险服务大接访接待点", "中山市东区中山路"),
    City("445100", "潮州市", 13, 0.95, 0.80, 1.00, 19, 180, "潮州市保险服务大接访接待点", "潮州市湘桥区人民路"),
    City("445200", "揭阳市", 22, 1.05, 0.75, 1.15, 22, 240, "揭阳市保险服务大接访接待点", "揭阳市榕城区临江路"),
    City("445300", "云浮市", 9, 0.80, 0.85, 0.85, 16, 150, "云浮市保险服务大接访接待点", "云浮市云城区人民路"),
)

# Dongguan and Zhongshan have no county level: their towns and sub-districts (镇街) stand in.
TOWNS = {
    "441900": [
        "莞城街道",
        "南城街道",
        "东城街道",
        "虎门镇",
        "长安镇",
        "常平镇",
        "塘厦镇",
        "厚街镇",
        "石龙镇",
        "樟木头镇",
    ],
    "442000": ["石岐区", "东区", "西区", "小榄镇", "古镇镇", "坦洲镇", "三乡镇", "南头镇", "火炬开发区"],
}


def apportion(total: int, weights: list[float]) -> list[int]:
    """Split `total` into integers proportional to `weights` (largest remainder; exact sum)."""
    whole = sum(weights)
    if total == 0 or whole <= 0:
        return [0] * len(weights)
    quotas = [total * w / whole for w in weights]
    shares = [int(q) for q in quotas]
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(quotas[i] - shares[i]), i))
    for i in by_remainder[: total - sum(shares)]:
        shares[i] += 1
    return shares


@dataclass(frozen=True)
class CityFigures:
    code: str
    consultations: int
    suggestions: int
    resolved_on_site: int
    time_limited: int
    referred: int  # of the time-limited ones

    @property
    def complaints(self) -> int:
        return self.resolved_on_site + self.time_limited

    @property
    def visits(self) -> int:
        return self.consultations + self.suggestions + self.complaints


def _scaled(n: int, scale: float) -> int:
    return round(n * scale)


def city_figures(scale: float = 1.0) -> list[CityFigures]:
    """Per-city counts whose sums are the article's totals (or `scale` times them)."""
    mm = {k: _scaled(v, scale) for k, v in MAOMING_FIGURES.items()}
    others = [c for c in CITIES if c.code != MAOMING]
    consultations = apportion(_scaled(CONSULTATIONS, scale) - mm["consultations"], [c.weight for c in others])
    suggestions = apportion(
        _scaled(SUGGESTIONS, scale) - mm["suggestions"], [c.weight * c.suggestion_factor for c in others]
    )
    complaints = apportion(
        _scaled(COMPLAINTS, scale) - mm["resolved_on_site"] - mm["time_limited"],
        [c.weight * c.complaint_factor for c in others],
    )
    time_limited = apportion(
        _scaled(TIME_LIMITED, scale) - mm["time_limited"],
        [n * c.time_limited_factor for n, c in zip(complaints, others, strict=True)],
    )
    referred = apportion(_scaled(REFERRED_ELSEWHERE, scale), time_limited)
    out = [
        CityFigures(
            c.code, consultations[i], suggestions[i], complaints[i] - time_limited[i], time_limited[i], referred[i]
        )
        for i, c in enumerate(others)
    ]
    out.append(CityFigures(MAOMING, **mm))
    return sorted(out, key=lambda f: f.code)
