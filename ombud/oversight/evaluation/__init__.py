"""Company evaluation (投诉工作考评): a scorecard per company and period, computed from the data.

The rooms of the part: `queries.py` (the scorecard and the periods with figures),
`scoring.py` (the rule that turns metric values into points, a score and a rank),
`services.py` (importing the premium and policy figures), `forms.py`, `views.py` and
`urls.py` (the scorecard page), `api.py` (the scorecard and the import). docs/evaluation.md.
"""
