# One entry point for everything: each target creates or reuses .venv, installs the pinned
# dependencies (requirements-dev.txt) and links this checkout as gpulab.pytorch_stack under
# .collections; nothing global on the controller is touched except the Docker engine that
# `make demo` / `make molecule` need (scripts/ensure-docker.sh).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV        := $(CURDIR)/.venv
PYTHON      ?= python3
COLLECTION  := .collections/ansible_collections/gpulab/pytorch_stack
STAMP       := $(VENV)/.installed-$(shell sha256sum requirements-dev.txt | cut -c1-12)

export PATH                     := $(VENV)/bin:$(PATH)
export ANSIBLE_CONFIG           := $(CURDIR)/ansible.cfg
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/.collections
export GPULAB_TEST_IMAGE        ?= gpulab/debian12-test:local
export PY_COLORS                := 0
export ANSIBLE_FORCE_COLOR      := 0

# Molecule scenarios, each run as its own process (molecule's --workers breaks multi-scenario
# runs). Override to run a subset: make molecule SCENARIOS="default nvidia_driver".
SCENARIOS ?= default hostile cuda_repo_mirror pytorch2 cluster nvidia_driver nvidia_driver_upgrade cuda_pip cuda_toolkit_distro

.PHONY: help venv collection docker image lint unit integration sanity molecule test demo clean

help:
	@echo "make demo         provision a throwaway Debian 12 container host with site.yml"
	@echo "make test         lint + unit + integration + sanity + molecule (what CI runs)"
	@echo "make lint         ansible-lint (production profile)"
	@echo "make unit         pytest tests/unit (module_utils, filters)"
	@echo "make integration  plugins through real Ansible runs against the NVML test double"
	@echo "make sanity       ansible-test sanity + units from a copy at ansible_collections/"
	@echo "make molecule     every molecule scenario ($(SCENARIOS))"
	@echo "make clean        remove .venv, .collections and caches (not the Docker image)"

venv: $(STAMP)
$(STAMP): requirements-dev.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $@

collection: venv $(COLLECTION)
$(COLLECTION):
	mkdir -p $(dir $@)
	ln -sfn ../../.. $@

docker:
	scripts/ensure-docker.sh

image: docker
	scripts/build-test-image.sh

lint: collection
	ansible-lint --profile production

unit: collection
	PYTHONPATH=$(CURDIR)/.collections pytest -q tests/unit

integration: collection
	PYTHONPATH=$(CURDIR)/.collections pytest -q tests/integration

sanity: collection
	scripts/ansible-test.sh sanity --venv --python 3.11
	scripts/ansible-test.sh units --venv --python 3.11

molecule: collection image
	for s in $(SCENARIOS); do \
	  echo "=== molecule scenario $$s"; \
	  molecule --base-config molecule/config.yml test -s $$s || exit 1; \
	done

test: lint unit integration sanity molecule

demo: collection image
	scripts/demo.sh

clean:
	rm -rf $(VENV) .collections .cache .ansible .pytest_cache
