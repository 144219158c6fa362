# The user's entry points. Every target is a thin wrapper over a Python CLI in this repository.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
# uv, the version uv.lock pins, put in the artifact cache by stack/uv_bootstrap.py with the system
# python3's standard library alone (no pip: Debian 12 and Ubuntu 24.04 refuse `pip install
# --user`). UV=/path/to/uv uses another.
UV_HOME := $(HOME)/.cache/userstream/uv
UV ?= $(UV_HOME)/uv
# uv trusts the platform's certificate store, as Python's urllib, Java and Maven do: a TLS proxy
# whose CA is installed in the system store is then trusted by every download of setup.
export UV_SYSTEM_CERTS ?= 1
PYENV := $(VENV)/.python-done
STAMP := $(VENV)/.setup-done

# SECURE=1: the secured local stack (TLS, SASL/SCRAM, passwords; docs/security.md) in its own
# home, and every command as its client: the stack writes the endpoints, CA files and passwords
# to an owner-only dotenv file that each process reads through PIPELINE_ENV_FILE. A registry URL
# exported as http:// is switched to https://, the only scheme the secured registry serves.
ifneq ($(filter 1 true yes,$(SECURE)),)
export PIPELINE_STACK__SECURE := true
export PIPELINE_STACK__HOME ?= $(CURDIR)/.stack/secure
export PIPELINE_ENV_FILE ?= $(PIPELINE_STACK__HOME)/secrets/client.env
ifdef PIPELINE_REGISTRY__URL
export PIPELINE_REGISTRY__URL := $(patsubst http://%,https://%,$(PIPELINE_REGISTRY__URL))
endif
endif

# SHAPE=cluster: the local stack at cluster shape (docs/local-stack.md), in its own home, and
# every command as its client: three Kafka nodes (kafka.bootstrap_servers lists the three, topics
# get replication factor 3 and min.insync.replicas 2: config/settings.py, CLUSTER_DEFAULTS). The
# streaming job's files move to that home too, so `make stack-down SHAPE=cluster` stops its own.
ifeq ($(SHAPE),cluster)
export PIPELINE_STACK__SHAPE := cluster
export PIPELINE_STACK__HOME ?= $(CURDIR)/.stack/cluster
export PIPELINE_SPARK__CHECKPOINT_DIR ?= $(PIPELINE_STACK__HOME)/checkpoints
export PIPELINE_SPARK__METRICS_FILE ?= $(PIPELINE_STACK__HOME)/job/batches.jsonl
export PIPELINE_SPARK__STATUS_FILE ?= $(PIPELINE_STACK__HOME)/job/state.json
else ifneq ($(filter-out single,$(SHAPE)),)
$(error SHAPE=$(SHAPE): the local stack's shapes are single (the default) and cluster)
endif

.PHONY: help setup test test-unit lint codegen register topics stack-up stack-down stack-status \
        stack-reset migrate stream produce offline-source demo soak airflow inspect cql redrive screenshots \
        bench up down logs clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

# Two steps: the Python environment alone (all `make test-unit` needs), then the JVM artifacts,
# which need Java and Maven (checked first, each named with its install).
$(PYENV): pyproject.toml uv.lock
	$(if $(filter $(UV),$(UV_HOME)/uv),python3 stack/uv_bootstrap.py $(UV))
	$(UV) sync --frozen --python 3.11
	@touch $(PYENV)

$(STAMP): $(PYENV) stack/pom.xml $(wildcard stack/jvm/*/pom.xml)
	$(PY) -m stack.requirements setup
	$(PY) -m stack fetch
	@touch $(STAMP)

setup: $(STAMP) ## virtual environment from uv.lock, plus the JVM artifacts (idempotent)

test: $(PYENV) ## every test, unit to end-to-end, on real services
	$(PY) -m stack.requirements test
	@$(MAKE) --no-print-directory setup
	bash docker/install-compose.sh
	$(PY) -m codegen --check
	$(PY) -m codegen --check-compat
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(PY) -m pytest $(PYTEST_ARGS)

test-unit: $(PYENV) ## the tests that need no service or installed tool (no stack, Java, Maven, browser, docker)
	$(PY) -m pytest --service-free $(PYTEST_ARGS)

lint: setup ## ruff and mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

codegen: setup ## regenerate generated/ from schemas/
	$(PY) -m codegen

CONTRACT ?= all
register: setup ## register the contracts, compatibility checked first, and create their topics (CONTRACT= DRY_RUN=1; REGISTER_ARGS=list)
	$(PY) -m ops.register --contract $(CONTRACT) $(if $(DRY_RUN),--dry-run) $(REGISTER_ARGS)

topics: setup ## create the contracts' topics and DLQs as configured; report those configured otherwise (CONTRACT=)
	$(PY) -m ops.topics --contract $(CONTRACT)

migrate: setup ## create keyspaces and tables, run each new CQL migration once (CONTRACT= KEYSPACE=name)
	$(PY) -m ops.migrate apply --contract $(CONTRACT) $(if $(KEYSPACE),--keyspace $(KEYSPACE))

stack-up: setup ## start Kafka, the schema registry, Cassandra, Prometheus and its Pushgateway as local processes (SECURE=1; SHAPE=cluster: three Kafka nodes)
	$(PY) -m stack up

stack-down: setup ## stop the local stack and the streaming job (keeps their data)
	$(PY) -m stack.streaming_job stop
	$(PY) -m stack down

stack-status: setup ## state of each local service, with the Prometheus URL
	$(PY) -m stack status

stack-reset: setup ## stop the local stack and wipe its data, the job's checkpoints and figures
	$(PY) -m stack.streaming_job reset
	$(PY) -m stack down --fresh

COUNT ?= 1000
SOURCE ?= $(or $(SOURCE_URL),auto)

stream: setup ## the Spark streaming job, every contract, Kafka -> Cassandra (STREAM_ARGS="--master spark://h:7077 ...")
	$(PY) -m spark --contract $(CONTRACT) $(STREAM_ARGS)

demo: setup ## the whole pipeline once on the local stack: COUNT=1000 CONTRACT=all SOURCE=auto|offline|<url> SECURE=1
	$(PY) -m stack.demo --count $(COUNT) --contract $(CONTRACT) --source $(SOURCE)

DURATION ?= 600
RATE ?= 50
INTERVAL ?= 60
soak: setup ## steady load while services are killed, then a ledger (lost must be 0): DURATION=600 RATE=50 INTERVAL=60 [SEED=n TARGETS=kafka,job SHAPE=cluster]
	$(PY) -m stack.soak --duration $(DURATION) --rate $(RATE) --interval $(INTERVAL) $(if $(SEED),--seed $(SEED)) $(if $(TARGETS),--targets $(TARGETS)) $(if $(REPORT),--report $(REPORT))

produce: setup ## one producer batch of each contract, without Airflow: CONTRACT=all COUNT=1000 SOURCE_URL=<url>|auto|offline [SEED=s]
	$(PY) -m stack.produce --contract $(CONTRACT) --count $(COUNT) --source $(SOURCE) $(if $(SEED),--seed $(SEED))

offline-source: setup ## the offline source of the shipped contracts on 127.0.0.1:8765 (PORT=8765)
	$(PY) -m stack.offline_source $(if $(PORT),--port $(PORT))

airflow: setup ## the Airflow UI on 127.0.0.1 (port: PIPELINE_STACK__AIRFLOW_PORT, 8080); Ctrl-C stops it
	$(PY) -m stack.airflow_ui

inspect: setup ## what flows where, per contract (CONTRACT= JSON=1); MESSAGES=N: latest messages, decoded; WATCH=1: live rates
	@$(PY) -m ops.inspection --contract $(CONTRACT) $(if $(JSON),--json) $(if $(MESSAGES),--messages $(MESSAGES)) $(if $(WATCH),--watch)

# Q is handed to cqlsh in single quotes (each quote in it escaped): CQL's own string literals
# pass through as they are.
cql: setup ## cqlsh on the configured Cassandra, in the contracts' keyspace (Q="SELECT ..." runs one statement; SECURE=1)
	@$(PY) -m ops.cql $(if $(Q),--execute '$(subst ','\'',$(Q))')

redrive: setup ## re-publish DLQ entries that now pass: CONTRACT= RULE=wire:unknown-schema SINCE=2026-01-01T00:00 UNTIL=... DRY_RUN=1
	$(PY) -m ops.redrive --contract $(CONTRACT) $(if $(RULE),--rule $(RULE)) $(if $(SINCE),--since $(SINCE)) $(if $(UNTIL),--until $(UNTIL)) $(if $(DRY_RUN),--dry-run)

screenshots: setup ## refresh docs/images/ from the browser tests (Airflow, Spark and Prometheus UIs; real stack)
	@mkdir -p docs/images
	USERSTREAM_SCREENSHOTS=$(CURDIR)/docs/images $(PY) -m pytest tests/browser $(PYTEST_ARGS)

bench: setup ## the benchmarks: producer path, then Kafka-to-Cassandra end to end (CONTRACT=all: the contracts streaming at once)
	$(PY) -m bench --contract $(CONTRACT)

clean: ## remove the virtual environment (the artifact cache under ~/.cache/userstream stays)
	rm -rf $(VENV)

COMPOSE := docker compose -f docker/compose.yaml --env-file docker/.env
DOCKER_CHECK := docker info >/dev/null 2>&1 || { echo "Docker is missing or its engine is not running (docker info failed)."; echo "Run the same pipeline without Docker: make demo"; exit 1; }

UP_TIMEOUT ?= 900
up: ## build and start the Docker Compose stack (Confluent, Airflow, Spark, Cassandra); UP_TIMEOUT=900 s
	@$(DOCKER_CHECK)
	@bash docker/make-env.sh
	@$(COMPOSE) up --build --detach --wait --wait-timeout $(UP_TIMEOUT) || { \
	  echo "make up: not every service was healthy within $(UP_TIMEOUT) s"; \
	  python3 docker/compose_status.py $(COMPOSE) || true; \
	  echo "their states:"; \
	  $(COMPOSE) ps --all --format 'table {{.Service}}\t{{.State}}\t{{.Status}}'; \
	  echo "the logs of one: $(COMPOSE) logs <service>"; exit 1; }
	@set -a; . docker/.env; set +a; \
	echo "Control Center  http://localhost:$${CONTROL_CENTER_PORT:-9021}"; \
	echo "Airflow         http://localhost:$${AIRFLOW_PORT:-18080}  (user $${AIRFLOW_ADMIN_USER:-admin}; password: make logs, look for airflow-apiserver's \"Password for user\")"; \
	echo "Spark master UI http://localhost:$${SPARK_MASTER_UI_PORT:-8090}"; \
	echo "Spark job UI    http://localhost:$${SPARK_APP_UI_PORT:-14040}"; \
	echo "Prometheus      http://localhost:$${PROMETHEUS_PORT:-19090}"

down: ## stop the Docker Compose stack (keeps its volumes; RESET=1 also deletes them)
	@$(DOCKER_CHECK)
	$(COMPOSE) down $(if $(RESET),--volumes)

logs: ## follow the logs of the Docker Compose stack
	@$(DOCKER_CHECK)
	$(COMPOSE) logs --follow --tail=100
