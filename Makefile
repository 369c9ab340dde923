# Homeroom: two commands do all the set-up on a fresh machine.
#   make demo   installs into .venv, makes a synthetic district, loads it, reports on it and
#               serves the web app (prints the address and a demo sign-in; Ctrl-C stops it)
#   make test   installs and runs every test (Spark included)

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO := demo

.PHONY: install system-packages demo test test-fast lint format bench clean

install: system-packages $(STAMP)

# Debian packages, installed only when missing:
#   Java runs the PySpark engine (the state-scale path and its parity test);
#   Pango and fonts let WeasyPrint write the PDF report;
#   Chromium is the real browser the web app's browser tests drive.
system-packages:
	@missing=""; \
	command -v java >/dev/null 2>&1 || missing="$$missing openjdk-17-jre-headless"; \
	for pkg in libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core; do \
		dpkg -s $$pkg >/dev/null 2>&1 || missing="$$missing $$pkg"; done; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends $$missing; \
	fi

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Needs $(PYTHON) (Python 3.11+); set PYTHON=..."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev,spark]'
	touch $(STAMP)

DEMO_PASSWORD := demo-password-2025
demo: install
	rm -rf $(DEMO)
	$(BIN)/homeroom synth --students 4000 --schools 10 --years 2 --seed 7 --out $(DEMO)/data
	$(BIN)/homeroom init $(DEMO) --name "Demo district (synthetic)"
	$(BIN)/homeroom load $(DEMO)/data --workspace $(DEMO)
	$(BIN)/homeroom report --workspace $(DEMO) --out $(DEMO)/report.html
	echo $(DEMO_PASSWORD) | $(BIN)/homeroom users add demo-admin --role district_admin \
		--name "Demo administrator" --password-stdin --workspace $(DEMO)
	# Early warning in March and at the latest date: the work queue shows who is new since.
	$(BIN)/homeroom signals --workspace $(DEMO) --as-of 2025-03-03 >/dev/null
	$(BIN)/homeroom signals --workspace $(DEMO) >/dev/null
	# The model, and the ranked queue the student pages and the work queue show.
	$(BIN)/homeroom signals train --workspace $(DEMO) >/dev/null
	$(BIN)/homeroom signals queue --workspace $(DEMO) --capacity 0.1 --out $(DEMO)/queue.csv
	echo $(DEMO_PASSWORD) | $(BIN)/homeroom users add demo-staff --role school_staff \
		--school D01-E01 --name "Demo attendance team" --password-stdin --workspace $(DEMO)
	partner=$$($(BIN)/homeroom partners add "Eastside Family Clinic" --kind health \
		--workspace $(DEMO)) && \
	echo $(DEMO_PASSWORD) | $(BIN)/homeroom users add demo-clinic --role partner \
		--partner $$partner --name "Eastside Family Clinic" --password-stdin --workspace $(DEMO)
	@echo
	@echo "Sign in with the password $(DEMO_PASSWORD) (a synthetic district) as demo-admin"
	@echo "(everything), demo-staff (one school's work queue) or demo-clinic (a partner: the"
	@echo "students referred to it with a family's consent)."
	$(BIN)/homeroom serve --workspace $(DEMO)

# Two workers (one per core here). --dist loadscope keeps each module's tests on one worker, so
# a module's fixtures (workspaces, loads, servers) are built once, not once on each worker.
test: install lint
	$(BIN)/pytest -n auto --dist loadscope --durations=20

# Everything but Spark, for a quick loop while working.
test-fast: install
	$(BIN)/pytest -n auto -m "not spark and not slow"

# Lint, format, types (mypy, default strictness, on src/) and the house rules: no import cycle,
# no import against DESIGN.md's layers, no module over 400 lines, no function over 60.
lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/ruff format --check src tests benchmarks tools
	$(BIN)/mypy
	$(BIN)/python tools/house_rules.py src

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks tools
	$(BIN)/ruff check --fix src tests benchmarks tools

# Every figure of docs/benchmarks.md, on this machine, each script writing its results JSON
# under benchmarks/ (several hours: the largest sizes are a 6-million-student state; the data
# are made once and kept under benchmarks/data/). Each script also runs alone with smaller sizes.
bench: install
	$(BIN)/python benchmarks/scale.py --sizes 10000,100000,1000000,6000000 --commands
	$(BIN)/python benchmarks/metrics_files.py --sizes 100000,300000
	$(BIN)/python benchmarks/imports.py --sizes 10000,100000,1000000 --xlsx-max 100000
	$(BIN)/python benchmarks/peaks.py --students 1000000
	$(BIN)/python benchmarks/peaks.py --students 6000000
	$(BIN)/python benchmarks/state_site.py --students 1000000
	$(BIN)/python benchmarks/state_site.py --students 6000000 --whole-load
	$(BIN)/python benchmarks/signals.py
	$(BIN)/python benchmarks/signal_rules.py --sizes 100000,1000000
	$(BIN)/python benchmarks/web.py

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache .ruff_cache spark-warehouse
