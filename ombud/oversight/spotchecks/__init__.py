"""Spot checks (抽查): a reproducible, stratified sample of handled cases, and the findings.

`sampling` (the rule), `services` (writes), `queries` (reads), `forms`, `views` + `urls`
(pages), `api` (routes); docs/spot-checks.md.
"""
