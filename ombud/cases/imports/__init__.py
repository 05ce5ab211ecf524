"""Backlog import: old open cases from an Excel workbook (.xlsx), row by row through the one
service that records a complaint arriving without a site visit (`cases.services.register_complaint`).

How a file goes in:

1. File-level checks, before anything touches the database (`reading`): size, that it is an
   .xlsx (not an old .xls, a CSV renamed, or a zip bomb), the header row (Chinese names,
   English keys as aliases, `columns`; unknown, duplicate or missing required columns are
   refused), the row limit.
2. Every row is parsed into a `ComplaintInput` (`parsing` for the cells: dates, company by id
   or exact name, city by GB/T 2260 code or name, channel and status labels; `validation` for
   the row) and recorded inside its own savepoint (`services`): `register_complaint` validates
   it exactly as the API does, routes it and sets its legal due date from `received_at`; an
   "in progress" row is then accepted through `cases.services.take_action`; an IMPORTED event
   records the file and the row. Any error rolls the savepoint back and becomes a row error
   (row as Excel numbers it, column letter + header, message); the import never re-implements
   the service's validation, it only maps the service's field names to spreadsheet columns.
3. The mode decides what is kept: by default every valid row (committed in chunks, so that a
   long import never holds SQLite's write lock for minutes); with `all_or_nothing` the whole
   file is one transaction, rolled back if any row failed; a dry run always rolls back.

Consumer notifications are muted during an import (`notify.muted()`): old complainants are not
texted about a backlog being loaded. `template` writes the downloadable template workbook;
`queries` holds the reads (who may import, the companies and cities a user may name).
"""
