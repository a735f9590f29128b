# Bazaar. `make run` starts the shop; `make test` runs the tests. Both set up what they need.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run dev test lint format bench requirements clean system-packages services engines

$(STAMP): requirements.txt
	@scripts/system-packages
	@test -x $(PY) || "$$(scripts/find-python)" -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	@touch $(STAMP)

system-packages:
	@scripts/system-packages

# The shop through gunicorn, with its Celery workers and scheduler; Ctrl-C stops them all.
run: $(STAMP)
	@scripts/run

# The same with Django's auto-reloading development server, for changing code.
dev: $(STAMP)
	@scripts/run --dev

test: $(STAMP) system-packages
	$(PY) -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

# The JVM engines (Kafka, Cassandra, OpenSearch) on loopback, for `make run` on real backends:
# prints the variables to export. Needs Java 17 and Maven; jars are fetched once (infra/jvm).
services: $(STAMP)
	$(PY) -m infra.engines services

# Fetch the engines' jars from Maven Central into ~/.cache/bazaar/jvm (tests do it on first use too).
engines: $(STAMP)
	$(PY) -m infra.engines fetch

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	$(PY) manage.py makemigrations --check --dry-run

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# In-process figures, then the shop over HTTP measured with wrk (shop/httpbench.py).
bench: $(STAMP)
	@scripts/apt-install wrk
	$(PY) manage.py bench

# Pin requirements.in into requirements.txt from a clean environment.
requirements:
	rm -rf /tmp/bazaar-req && "$$(scripts/find-python)" -m venv /tmp/bazaar-req
	/tmp/bazaar-req/bin/pip install -q -r requirements.in
	/tmp/bazaar-req/bin/pip freeze --exclude pip | sed '/^-e /d' > requirements.txt

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
