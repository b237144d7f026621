# The two commands of the README: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 5000
DATA ?= ../shared/data

.PHONY: run test test-js bench bench-web fuzz install clean-demo translations i18n-extract i18n-update

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[test,browser]'
	touch $@

install: $(VENV)/.installed

# Translations: the compiled catalogue is built from the committed .po (no generated file in git).
MO := telemed/translations/zh_Hans_CN/LC_MESSAGES/messages.mo
$(MO): telemed/translations/zh_Hans_CN/LC_MESSAGES/messages.po $(VENV)/.installed
	$(VENV)/bin/pybabel compile -d telemed/translations

translations: $(MO)

# After changing user-visible strings: extract them, merge into the .po, translate, `make translations`.
i18n-extract: install
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k N_ -k t --no-location --sort-output --omit-header \
	  -o telemed/translations/messages.pot .

i18n-update: i18n-extract
	$(VENV)/bin/pybabel update -i telemed/translations/messages.pot -d telemed/translations -w 100 \
	  --no-fuzzy-matching

run: install translations
	$(VENV)/bin/flask --app wsgi init-db
	$(VENV)/bin/flask --app wsgi seed-demo
	@echo "Serving on http://$(HOST):$(PORT)  (Ctrl-C to stop)"
	$(VENV)/bin/flask --app wsgi run --host $(HOST) --port $(PORT) --no-reload

test: install translations
	$(VENV)/bin/pytest -q

# The viewer's JavaScript unit tests alone (pytest runs them too: tests/test_js_units.py).
test-js:
	node --test tests/js/*.test.mjs

bench: install
	$(PIP) install --quiet -e '.[bench]'
	$(PY) -m bench --data $(DATA)

bench-web: install
	$(PY) -m bench.webload

# Seeded hostile uploads against a live loopback server: FUZZ_COUNT uploads at most, in FUZZ_TIME s.
FUZZ_COUNT ?= 500
FUZZ_TIME ?= 600
fuzz: install translations
	$(PY) -m bench.fuzz --count $(FUZZ_COUNT) --time-limit $(FUZZ_TIME)

clean-demo:
	rm -rf instance
