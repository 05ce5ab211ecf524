"""The `ombud` command: Django's management commands plus the project's own
(`ombud demo`, `ombud serve`, `ombud worker`, `ombud import-cases`, ...)."""

import os
import sys

# Commands spelt with a hyphen on the command line; Django's command modules cannot be.
ALIASES = {"import-cases": "import_cases", "audit-verify": "audit_verify"}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ombud.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    if len(argv) > 1:
        argv[1] = ALIASES.get(argv[1], argv[1])
    if len(argv) > 2 and argv[1] == "help":
        argv[2] = ALIASES.get(argv[2], argv[2])
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
