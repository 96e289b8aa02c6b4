# Two commands on a fresh machine: `make demo` and `make test`. Both set themselves up.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.setup-stamp
LLM_STAMP := $(VENV)/.setup-llm-stamp
export MUJOCO_GL ?= egl
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: setup setup-llm demo test test-llm test-slow bench lint clean

setup: $(STAMP)
$(STAMP): pyproject.toml scripts/setup.sh scripts/apt_install.sh
	bash scripts/setup.sh
	touch $@

setup-llm: $(LLM_STAMP)
$(LLM_STAMP): $(STAMP) scripts/setup_llm.sh scripts/apt_install.sh
	bash scripts/setup_llm.sh
	touch $@

# Extra arguments: make demo DEMO_ARGS="--restart" (after a config change), DEMO_ARGS="--workers 1"
DEMO_ARGS ?=
demo: setup
	$(VENV)/bin/embodied-mem demo $(DEMO_ARGS)

test: setup
	$(PY) -m pytest -q

test-llm: setup-llm
	$(PY) -m pytest -q -m llm

test-slow: setup
	$(PY) -m pytest -q -m "slow or simulator"

bench: setup
	$(PY) bench/bench_sim.py

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) runs .pytest_cache
