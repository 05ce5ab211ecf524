"""How a snapshot's cells and key figures are shown on the report page and in the Word
document: numbers with thousands separators, shares as percentages, empty cells as a dash."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any


def format_cell(value: Any, type_: str) -> str:
    """A cell as the page and the Word document show it."""
    if value is None or value == "":
        return "—" if type_ != "text" else ""
    if type_ == "int":
        return f"{int(Decimal(str(value))):,}"
    if type_ == "percent":
        pct = (Decimal(str(value)) * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)
        return f"{pct}%"
    return str(value)


FIGURE_TONES = {
    "visits": "main",
    "cases": "main",
    "resolved_on_site": "good",
    "time_limited": "warn",
    "referred": "alert",
    "sites": "quiet",
    "staff": "quiet",
    "executives": "quiet",
    "companies": "quiet",
}


def for_display(snapshot: dict) -> dict:
    """The snapshot with every table cell formatted (a copy; the snapshot is not changed)."""
    tables = []
    for t in snapshot["tables"]:
        types = [c["type"] for c in t["columns"]]
        tables.append(
            {
                **t,
                "columns": [{**c, "num": c["type"] != "text"} for c in t["columns"]],
                "rows": [
                    [{"text": format_cell(v, ty), "num": ty != "text"} for v, ty in zip(row, types, strict=True)]
                    for row in t["rows"]
                ],
                "footer": (
                    [
                        {"text": format_cell(v, ty), "num": ty != "text"}
                        for v, ty in zip(t["footer"], types, strict=True)
                    ]
                    if t.get("footer")
                    else None
                ),
            }
        )
    figures = [{**f, "tone": FIGURE_TONES.get(f["key"], "")} for f in snapshot["figures"]]
    # On the page the key figures are tiles and the typical cases articles, not tables.
    shown = [t for t in tables if t["key"] not in ("totals", "typical_cases")]
    return {**snapshot, "figures": figures, "tables": shown}
