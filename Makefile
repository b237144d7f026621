# The two commands of the README: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 5000
DATA ?= ../shared/data

.PHONY: run test test-js bench bench-web install clean-demo

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[test,browser]'
	touch $@

install: $(VENV)/.installed

run: install
	$(VENV)/bin/flask --app wsgi init-db
	$(VENV)/bin/flask --app wsgi seed-demo
	@echo "Serving on http://$(HOST):$(PORT)  (Ctrl-C to stop)"
	$(VENV)/bin/flask --app wsgi run --host $(HOST) --port $(PORT) --no-reload

test: install
	$(VENV)/bin/pytest -q

# The viewer's JavaScript unit tests alone (pytest runs them too: tests/test_js_units.py).
test-js:
	node --test tests/js/*.test.mjs

bench: install
	$(PIP) install --quiet -e '.[bench]'
	$(PY) -m bench --data $(DATA)

bench-web: install
	$(PY) -m bench.webload

clean-demo:
	rm -rf instance
