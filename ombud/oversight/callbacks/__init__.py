"""Call-backs (回访): the regulator calls consumers back after a case closed.

`services` (writes), `queries` (reads, the report), `forms`, `views` + `urls` (pages),
`api` (routes); docs/callbacks.md.
"""
