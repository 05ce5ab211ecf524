"""The national region list (GB/T 2260 codes), shipped as data/regions.csv.

Source: the `cpca` 0.5.5 package's adcodes (MIT, data/LICENSE.regions.txt), as prepared in
shared/data/cn_admin_divisions. County rows named 市辖区 are placeholders and are skipped; a
municipality's placeholder prefecture takes the municipality's name.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

CSV_PATH = Path(__file__).parent / "data" / "regions.csv"
PLACEHOLDER = "市辖区"


def rows() -> Iterator[dict]:
    with CSV_PATH.open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            level, name = r["level"], r["name_zh"]
            if level == "county" and name in (PLACEHOLDER, "县"):
                continue
            if level == "prefecture" and name in (PLACEHOLDER, "县"):
                name = r["province_name_zh"] if name == PLACEHOLDER else r["province_name_zh"] + "县"
            parent = {"province": None, "prefecture": r["province_code"], "county": r["prefecture_code"]}[level]
            yield {
                "code": r["code"],
                "name": name,
                "level": level,
                "parent_id": parent or None,
                "longitude": float(r["longitude"]) if r["longitude"] else None,
                "latitude": float(r["latitude"]) if r["latitude"] else None,
            }


def load(Region) -> int:
    existing = set(Region.objects.values_list("code", flat=True))
    new = [Region(**r) for r in rows() if r["code"] not in existing]
    # Parents first: provinces, then prefectures, then counties.
    order = {"province": 0, "prefecture": 1, "county": 2}
    new.sort(key=lambda r: order[r.level])
    Region.objects.bulk_create(new, batch_size=500)
    return len(new)
