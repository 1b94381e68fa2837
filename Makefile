# smartmat: `make run` and `make test` work on a fresh clone (they create .venv).
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
STAMP   = $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)
PORT   ?= 8080
DATA   ?= .smartmat-data

.PHONY: run test bench venv clean install uninstall

venv: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "smartmat needs Python >= 3.11")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

run: $(STAMP)
	$(VENV)/bin/smartmat run --sim --data-dir $(DATA) --port $(PORT)

test: $(STAMP)
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) -m pip install --quiet -e '.[test,bench]'
	$(PY) bench/run_all.py

# On a Raspberry Pi, as root: system user, /opt/smartmat, /etc/smartmat, /var/lib/smartmat,
# units enabled. The script builds its own virtualenv, so no $(STAMP) here.
install:
	./scripts/install.sh

# Keeps /var/lib/smartmat (the sessions) unless PURGE=1.
uninstall:
	./scripts/uninstall.sh $(if $(PURGE),--purge)

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
