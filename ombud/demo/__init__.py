"""The demo: the Guangdong insurance service reception day of 24 March 2012, rebuilt.

`ombud demo` (ombud/management/commands/demo.py) creates the regulator bureaus, the insurers
and their city branches, the campaign with its 20 sites and 6,000-odd rostered staff, a few
logins, and then replays the day's 15,307 visits through `intake.services.record_visit`, the
same service the API uses, so that the campaign report reproduces the article's figures
exactly (SEED.md).

Modules, each named after what it holds:
- `figures`: the article's figures and the per-city distribution chosen for the rest;
- `insurers`: the real insurer names (directory/data) with short names and company types;
- `people`: generated names, phone numbers, ID-card and licence numbers;
- `texts`: generated visit summaries (templates and vocabulary);
- `generator`: builds the directory, the campaign and the logins, and replays the day.

Everything except the insurer names, the region codes and the article's figures is generated.
"""
