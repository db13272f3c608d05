# The README's two commands: `make run` and `make test` (plus `make bench`).
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# Debian packages: CJK fonts and HarfBuzz subsetting for Chinese PDFs (WeasyPrint), Chromium for browser
# tests, poppler-utils (pdftoppm) to look at the PDFs the tests render.
APT_PACKAGES := fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 chromium poppler-utils
# `make bench` also needs wrk, the HTTP load generator of the deadline rush (tests/bench_rush.lua).
BENCH_APT_PACKAGES := wrk
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
# The test run uses a throw-away key with DEBUG off, like production.
TEST_ENV := ALLOW_INSECURE_KEY=1 DEBUG=0

.PHONY: help run test bench install system-deps lint clean

help:
	@echo "make run    安装依赖、迁移数据库、载入品目目录与演示数据，并启动门户（http://$(HOST):$(PORT)）、Celery worker 与 beat"
	@echo "make test   安装测试所需依赖并运行全部测试（含 ruff 与迁移检查）"
	@echo "make bench  运行性能基准并打印结果"

system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo ">> 安装系统软件包:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(STAMP): pyproject.toml
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/pip install -q --disable-pip-version-check -e '.[test]'
	@touch $@

install: system-deps $(STAMP)

# The portal as production serves it (DEBUG off, gunicorn, WhiteNoise, Chinese error pages) over http on
# this machine, with a Celery worker and beat. The launcher migrates, loads the catalog and the demo, then
# supervises the three servers: Ctrl-C stops them all within seconds (procurement/management/commands/run_portal.py).
run: install
	exec $(PY) manage.py run_portal --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(TEST_ENV) DATABASE_URL=sqlite://:memory: $(PY) manage.py makemigrations --check --dry-run

test: install lint
	$(TEST_ENV) $(BIN)/pytest $(PYTEST_ARGS)

# The 100,000-row import through a Celery worker process runs on DATABASE_URL and REDIS_URL when set, else a
# SQLite file and the file-system broker (tests/bench_import.py).
# The deadline rush needs PostgreSQL: DATABASE_URL if it points at one, else the local server. Its load
# generator is Debian's wrk (a compiled client that leaves the cores to the server), installed only for it.
bench: APT_PACKAGES += $(BENCH_APT_PACKAGES)
bench: install
	$(TEST_ENV) $(PY) -m tests.bench
	$(TEST_ENV) $(PY) -m tests.bench_import
	$(TEST_ENV) $(PY) -m tests.bench_rush

clean:
	rm -rf var staticfiles .pytest_cache .ruff_cache *.egg-info
