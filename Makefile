# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
PORT ?= 8000
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/splp
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15

.PHONY: run test test-services lint install clean

$(BIN)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

# A developer checkout runs manage.py in the developer profile; production sets its own environment
# (and has no .env from make). An existing .env is never touched.
.env:
	printf '# Written by make for a developer checkout; not for production (see .env.example).\nDEBUG=1\n' > $@

install: $(BIN)/.installed .env

# Embedded default: SQLite, no Redis, the Celery broker on its own SQLite file, demo data; portal + worker +
# beat. The portal, admin, bus and demo upstreams run under the production server (Granian, `python -m
# splp.serve`), so the bus behaves as in production; one worker is enough for SQLite. With DEBUG on,
# WhiteNoise serves static files from the apps directly (no collectstatic). supervisord runs the processes
# (splp/supervisord.conf): one that dies is restarted, one that cannot start stops all; Ctrl-C stops everything.
run: export DEBUG ?= 1
run: export SPLP_VAR_DIR ?= $(CURDIR)/var
# The demo APIs' upstreams are served by this same server (seed_demo records them on its first run).
run: export SPLP_DEMO_UPSTREAM_BASE ?= http://127.0.0.1:$(PORT)/demo-upstream
# Links in the e-mails the console prints lead back to this server.
run: export SITE_URL ?= http://127.0.0.1:$(PORT)
run: install
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	$(MANAGE) demo_traffic
	@echo ""
	@echo "SPLP berjalan di http://127.0.0.1:$(PORT)/  (admin: http://127.0.0.1:$(PORT)/admin/)"
	@echo "Akun demo (kata sandi demo-password): admin, publisher, requester"
	@echo ""
	@# splp/supervise.py leaves make-run.failed when it stopped everything because a process could not start.
	@rm -f "$$SPLP_VAR_DIR/make-run.failed"
	@PATH="$(CURDIR)/$(BIN):$$PATH" PORT=$(PORT) $(BIN)/supervisord -c splp/supervisord.conf
	@test ! -e "$$SPLP_VAR_DIR/make-run.failed"

# The whole suite on the embedded default (SQLite, no Redis), the browser tests included (tests/browser: skipped
# with a message when /usr/bin/chromium is missing, except with CI=true, where they fail).
test: install
	$(BIN)/pytest

# The same suite against the PostgreSQL and Redis servers on this machine (CI runs both).
test-services: install
	DATABASE_URL=$(PG_TEST_URL) REDIS_URL=$(REDIS_TEST_URL) $(BIN)/pytest

# ruff with the rules in pyproject.toml (pyflakes, pycodestyle, import order, bugbear, pyupgrade); CI runs it.
lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) var
