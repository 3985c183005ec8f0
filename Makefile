# The two commands a newcomer needs: `make run` (demo portal) and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements-installed

.PHONY: setup run test bench messages clean

# Idempotent: the venv is built once and re-synced only when requirements.txt changes.
setup: $(STAMP)

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

# Compiled catalogs are committed; this rebuilds them after editing a .po file.
messages: setup
	$(PY) manage.py compilemessages --ignore=.venv

run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo_setup
	$(PY) manage.py demo_paperwork
	$(PY) manage.py rundemo --addrport 127.0.0.1:8000

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

bench: setup
	$(PY) -m bench

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles test-artifacts
