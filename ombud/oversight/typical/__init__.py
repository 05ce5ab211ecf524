"""Typical cases (典型案例): a handled case told in public as a warning, scrubbed of personal
data, approved by a second officer, then published.

    draft ──confirm_spans──▶ draft (confirmed) ──submit──▶ submitted ──publish (another officer)──▶ published
      ▲  └──save (re-scrubs, confirmation reset)              │                                      │
      └──────────────────────return_to_draft──────────────────┘                                      │
    draft, submitted, published ──withdraw──▶ withdrawn ◀─────────────────────────────────────────────┘

- Only regulator users (officers, admins) see or write typical cases (403 for anyone else);
  a typical case is visible to those who may see its case (404 otherwise, as for the case).
- A case qualifies once it has an outcome: decided, consumer informed, or closed
  (`QUALIFYING_STATUSES`); one live typical case per case.
- Saving runs the scrubber (`ombud.insight.scrubber`) over the narrative with what Ombud knows
  of the people in the case: the complainant's name, phone and ID-card number (decrypted here,
  never stored in clear), the practitioner's name and the names of the users who acted on the
  case, plus the terms the author marked by hand ("also remove"). The narrative is stored
  encrypted; the scrubbed text and the spans (kind, start, end, replacement — never the
  original) in clear. Title and lesson are public and stored in clear, so they are stored
  scrubbed.
- The author (or another officer) confirms the spans after reading the highlighted text; the
  author submits; a *different* officer publishes. Publishing scrubs again and refuses if the
  result differs from what was confirmed (409) or if the complainant's name, phone or ID-card
  number would still appear in the public text in any spelling the final guard knows (400).
- `queries.published_typical_cases()` is what reports read (no user: only published text).

The rooms of the part: `queries.py` (the reads: lists, one typical case, what a user may do
with it, the review, the public side), `services.py` (the writes: create, save, confirm,
submit, return, publish, withdraw), `scrubbing.py` (what Ombud knows of the people in a case
and the final guard before publication), `forms.py`, `views.py`, `urls.py` (the officers' and
the public pages), `api.py`. docs/scrubbing.md "Typical cases".
"""
