"""What every Ombud form shares: showing a service's refusal next to the inputs.

A service refuses with a `DomainError` whose `fields` name what was wrong in the
service's own words (`site_id`, `visitor.phone`, `campaign_id`). A form that
called the service shows each message next to the input it came from, and the
error's message at the top when no input is named. This mixin is the one way to
do it; a form says only how service keys map to its field names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.utils.translation import gettext

if TYPE_CHECKING:
    from django import forms

    from ombud.errors import DomainError

    _Base = forms.BaseForm
else:
    _Base = object


class ServiceErrorsMixin(_Base):
    """`form.add_service_errors(error)` after a service raised `error`.

    - `service_fields` maps a service key to the form field it belongs to; a key
      not in the map is taken as the field's own name.
    - A message for a key the form has no input for, or for an input that already
      shows an error, goes to the top of the form.
    - The error's message goes to the top when no field is named, or always when
      `show_service_message` is true (a form whose fields alone would not say
      what happened).
    - Messages are translated when shown: services raise English msgids.
    """

    service_fields: ClassVar[dict[str, str]] = {}
    show_service_message: ClassVar[bool] = False

    def add_service_errors(self, error: DomainError) -> None:
        if self.show_service_message or not error.fields:
            self.add_error(None, gettext(str(error.message)))
        for key, message in error.fields.items():
            name = self.service_fields.get(key, key)
            text = gettext(str(message))
            if name in self.fields and name not in self.errors:
                self.add_error(name, text)
            else:
                self.add_error(None, text)
