# One entry point for everything: each target creates or reuses .venv, installs the pinned
# dependencies (requirements-dev.txt) and links this checkout as gpulab.pytorch_stack under
# .collections; nothing global on the controller is touched except the Docker engine that
# `make demo` / `make molecule` need (scripts/ensure-docker.sh).
# `make test-2.21` repeats lint and sanity (with ansible-test units), and runs integration and
# two scenarios, under ansible-core 2.21 on Python 3.13, in a Debian 13 controller container
# (scripts/controller-2.21.sh) that runs this same Makefile with VENV=.venv-2.21
# REQUIREMENTS=requirements-dev-2.21.txt.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV          ?= $(CURDIR)/.venv
REQUIREMENTS  ?= requirements-dev.txt
PYTHON        ?= python3
SANITY_PYTHON ?= 3.11
COLLECTION    := .collections/ansible_collections/gpulab/pytorch_stack
STAMP         := $(VENV)/.installed-$(shell sha256sum $(REQUIREMENTS) | cut -c1-12)

export PATH                     := $(VENV)/bin:$(PATH)
export ANSIBLE_CONFIG           := $(CURDIR)/ansible.cfg
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/.collections
export GPULAB_TEST_IMAGE        ?= gpulab/debian12-test:local
export GPULAB_VENV              := $(VENV)
export PY_COLORS                := 0
export ANSIBLE_FORCE_COLOR      := 0

# Molecule scenarios, each run as its own process (molecule's --workers breaks multi-scenario
# runs). Override to run a subset: make molecule SCENARIOS="default nvidia_driver".
SCENARIOS ?= default cluster hostile cuda_repo_mirror pytorch2 pytorch2_releases nvidia_driver nvidia_driver_debian13 nvidia_driver_upgrade cuda_pip

# Scenarios the ansible-core 2.21 leg (make test-2.21) runs.
SCENARIOS_2_21 ?= default cluster

# make test runs every scenario once: those of the 2.21 leg there (on the current
# ansible-core), the others on this venv's ansible-core, shared out over the two streams
# (scripts/test-streams.sh) so that both take about as long: the checks stream runs these after
# the 2.21 leg, the other stream the rest. nvidia_driver_debian13 (two real DKMS builds, about
# 25 min beside the other stream) goes first with the checks. In a clean-clone run here
# (2026-12-02) the checks stream reached it after about 22 min. In the clean-clone run of commit
# b94dd31 the checks stream took 3705 s and the other 3372 s; hostile (177 s) then moved over.
SCENARIOS_WITH_CHECKS ?= nvidia_driver_debian13 cuda_pip

.PHONY: help venv collection docker image image-trixie lint unit integration sanity torchtests changelog release molecule test test-serial test-2.21 demo clean

help:
	@echo "make demo         provision a throwaway Debian 12 container host with site.yml"
	@echo "make test         lint + sanity (with the unit tests) + integration + molecule + 2.21 leg, two streams at once (what CI runs)"
	@echo "make test-serial  the same, one target after the other"
	@echo "make lint         ansible-lint (production profile)"
	@echo "make unit         pytest tests/unit (module_utils, filters)"
	@echo "make integration  plugins through real Ansible runs against the NVML test double"
	@echo "make sanity       ansible-test sanity + units from a copy at ansible_collections/"
	@echo "make changelog    antsibull-changelog lint (fragments) and lint-changelog-yaml"
	@echo "make release      fold changelogs/fragments into the galaxy.yml version, CHANGELOG.md"
	@echo "make torchtests   the acceptance trainer's and checks' own tests (tests/torch), CPU torch venv"
	@echo "make molecule     every molecule scenario ($(SCENARIOS))"
	@echo "make test-2.21    lint integration sanity (with the unit tests) + $(SCENARIOS_2_21) under ansible-core 2.21, Python 3.13"
	@echo "make clean        remove .venv, .collections and caches (not the Docker image)"

venv: $(STAMP)
$(STAMP): $(REQUIREMENTS)
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r $(REQUIREMENTS)
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

# The Debian 13 image: the 2.21 leg's controller, and the host of the Debian 13 scenarios.
image-trixie: docker
	scripts/build-test-image.sh trixie

lint: collection
	ansible-lint --profile production

unit: collection
	PYTHONPATH=$(CURDIR)/.collections pytest -q tests/unit

integration: collection
	PYTHONPATH=$(CURDIR)/.collections pytest -q -n auto --dist loadfile --durations=10 tests/integration

sanity: collection
	scripts/ansible-test.sh sanity --venv --python $(SANITY_PYTHON)
	scripts/ansible-test.sh units --venv --python $(SANITY_PYTHON)

changelog: collection
	antsibull-changelog lint
	antsibull-changelog lint-changelog-yaml --strict changelogs/changelog.yaml

# The version is galaxy.yml's; run again after more fragments arrive and they join that release.
release: collection
	antsibull-changelog release --version $$(sed -n 's/^version: *//p' galaxy.yml)

# The acceptance scripts' own tests need torch (and a C++ compiler, Python.h, ninja): a venv of
# its own under .cache, built once from the controller's wheelhouse cache where the pytorch2
# scenario left one (else PyPI), with the pins the pytorch2 role installs. `make test` runs it
# after the scenarios, so on a fresh machine the wheels are fetched once, by the scenario.
TORCH_VENV  := $(CURDIR)/.cache/torch-venv
TORCH_PINS  := torch==2.14.1 ninja==1.13.2 pytest
TORCH_STAMP := $(TORCH_VENV)/.installed-$(shell echo '$(TORCH_PINS)' | sha256sum | cut -c1-12)

$(TORCH_STAMP):
	test -x $(TORCH_VENV)/bin/python || $(PYTHON) -m venv $(TORCH_VENV)
	$(TORCH_VENV)/bin/pip install -q --disable-pip-version-check \
	  $$(for d in $(HOME)/.cache/gpulab/wheelhouse/*/; do test -d "$$d" && echo --find-links "$$d"; done) \
	  $(TORCH_PINS)
	rm -f $(TORCH_VENV)/.installed-*
	touch $@

torchtests: $(TORCH_STAMP)
	cd tests/torch && PATH=$(TORCH_VENV)/bin:$$PATH $(TORCH_VENV)/bin/python -m pytest -q .

# Each scenario holds a lock of its own while it runs (its containers and molecule's state are
# named after it), so the 2.21 leg can run default and cluster while the other stream runs
# different scenarios, and waits when it reaches one the other stream is running.
molecule: collection image image-trixie
	mkdir -p .cache/locks
	for s in $(SCENARIOS); do \
	  echo "=== molecule scenario $$s"; t0=$$(date +%s); \
	  flock .cache/locks/molecule-$$s.lock \
	    molecule --base-config molecule/config.yml test -s $$s || exit 1; \
	  echo "=== molecule scenario $$s passed in $$(( $$(date +%s) - t0 )) s"; \
	done

# Two streams at once (scripts/test-streams.sh): the checks and the 2.21 leg beside the scenarios.
test: collection docker
	scripts/test-streams.sh "$(SCENARIOS_WITH_CHECKS)" \
	  "$(filter-out $(SCENARIOS_WITH_CHECKS) $(SCENARIOS_2_21),$(SCENARIOS))"

test-serial: lint changelog unit integration sanity molecule torchtests test-2.21

test-2.21: docker
	scripts/build-test-image.sh
	scripts/controller-2.21.sh make lint changelog integration sanity molecule \
	  VENV=$(CURDIR)/.venv-2.21 REQUIREMENTS=requirements-dev-2.21.txt SANITY_PYTHON=3.13 \
	  SCENARIOS="$(SCENARIOS_2_21)"

demo: collection image
	scripts/demo.sh

clean:
	rm -rf $(VENV) .venv-2.21 .collections .cache .ansible .pytest_cache
