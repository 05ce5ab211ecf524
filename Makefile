# Ombud — `make run` serves the demo, `make test` runs the whole suite. Both start from a
# fresh machine: they create .venv and install the pinned dependencies first.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
OMBUD_DATA_DIR ?= $(CURDIR)/var
export OMBUD_DATA_DIR
# Test runs use their own settings (throwaway data dir, fixed test key).
TEST_ENV := DJANGO_SETTINGS_MODULE=ombud.settings_test
PYTEST_WORKERS ?= 2

.PHONY: run test install lint browser-deps messages serve demo clean

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

# The demo's text messages go to $OMBUD_DATA_DIR/sms-outbox.jsonl, read on /dev/sms/ (the
# one-time codes a newcomer needs); set OMBUD_SMS_BACKEND to send them for real.
run: install
	$(BIN)/ombud migrate --noinput
	$(BIN)/ombud demo --if-empty
	OMBUD_SMS_BACKEND=$${OMBUD_SMS_BACKEND:-file} $(BIN)/ombud serve --port $(PORT)

# Chromium (Debian's) drives the browser journeys; fonts-noto-cjk renders Chinese; gettext
# compiles translations. Installed when missing and we may (root); otherwise we say what to do.
browser-deps:
	@if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi "noto.*cjk"; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk gettext >/dev/null; \
	  else \
	    echo "Install Debian's chromium and fonts-noto-cjk (sudo apt-get install chromium fonts-noto-cjk)"; exit 1; \
	  fi; \
	fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(TEST_ENV) $(BIN)/mypy

test: install browser-deps lint
	$(TEST_ENV) $(BIN)/ombud makemigrations --check --dry-run
	$(TEST_ENV) $(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile

messages: install
	cd ombud && ../$(BIN)/django-admin makemessages -l zh_Hans --settings=ombud.settings_test --ignore "*/tests/*"
	cd ombud && ../$(BIN)/django-admin compilemessages --settings=ombud.settings_test

serve: install
	$(BIN)/ombud serve --port $(PORT)

demo: install
	$(BIN)/ombud migrate --noinput
	$(BIN)/ombud demo --if-empty

clean:
	rm -rf $(VENV) var build *.egg-info
