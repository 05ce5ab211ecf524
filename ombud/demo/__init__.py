"""The demo: the Guangdong insurance service reception day of 24 March 2012, rebuilt.

`ombud demo` (ombud/management/commands/demo.py) creates the regulator bureaus, the insurers
and their city branches, the campaign with its 20 sites and 6,000-odd rostered staff, a few
logins, and then replays the day's 15,307 visits through `intake.services.record_visit`, the
same service the API uses, so that the campaign report reproduces the article's figures
exactly (SEED.md). Then, through the same services as real work: the 300 time-limited cases
are decided and closed in 2012, a 2011 Q4 backlog is handled, today's complaints fill the
handlers' queues, and the bureau's oversight (spot check, call-backs, company figures, typical
cases, the report to the media) is done. Last, today: a campaign running now with a Maoming and
a Guangzhou site and visits already in, and online filings of the last weeks at every stage
(`today`), and a notified online complaint whose tracking number and code the command prints.

Modules, each named after what it holds:
- `figures`: the article's figures and the per-city distribution chosen for the rest;
- `insurers`: the real insurer names (directory/data) with short names and company types;
- `people`: generated names, phone numbers, ID-card and licence numbers;
- `texts`: generated visit summaries (templates and vocabulary);
- `replies`: generated decisions, replies, reasons, comments and typical-case narratives;
- `generator`: builds the directory, the campaign and the logins, and replays the day;
- `casework`: the cases after the day (2012), the 2011 Q4 backlog, and today's complaints;
- `oversight`: the spot check, call-backs, company figures, typical cases and the report;
- `today`: the campaign running today, its visits, and the online filings of the last weeks.

Everything except the insurer names, the region codes and the article's figures is generated.
"""
