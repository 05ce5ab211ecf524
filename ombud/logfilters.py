"""Keep personal data out of logs, whatever a message or an exception happens to contain.

The kinds masked, and what of each is kept, are the registry's (`personal_data.PATTERNS`,
each kind with a `log_keep`): ID-card numbers keep their first six and last four characters,
mobile numbers their first three and last four (138****5678).
"""

import logging
import re
from collections.abc import Callable

from ombud.personal_data import PATTERNS, PersonalPattern


def scrub(text: str) -> str:
    for pattern in PATTERNS.values():
        if pattern.log_keep is not None:
            text = pattern.log_re.sub(_masker(pattern), text)
    return text


def _masker(pattern: PersonalPattern) -> Callable[[re.Match[str]], str]:
    return lambda m: pattern.mask_for_log(m.group())


class ScrubPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = scrub(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True
