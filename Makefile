# The two commands a fresh machine needs: `make demo` and `make test`.
# Each installs what is missing (scripts/setup), configures, builds and runs.
PRESET ?= release
BUILD  := build/$(PRESET)
JOBS   ?= $(shell nproc)

.PHONY: all setup configure build demo test test-asan testenv bench clean train-simulation

all: build

setup:
	@scripts/setup

$(BUILD)/build.ninja: | setup
	cmake --preset $(PRESET)

configure: $(BUILD)/build.ninja

build: configure
	cmake --build --preset $(PRESET) -j $(JOBS)

demo: build
	scripts/demo $(BUILD)

# The integration tests (label `integration`) run the operator, the Kubernetes client and the CRD
# against a real control plane built from its Go modules by scripts/testenv: cached in
# ~/.cache/podpilot/testenv keyed by version (a no-op when present; cold: ~35 min on 2 cores).
# The sanitizer preset leaves them out (they run once, in the release build).
test: build testenv
	ctest --preset $(PRESET) -j $(JOBS)

testenv:
	scripts/testenv build
	tests/deploy/build-helm.sh >/dev/null

# No integration tests here (the asan test preset leaves them out), so no test control plane.
test-asan:
	$(MAKE) build PRESET=asan
	ctest --preset asan -j $(JOBS)

bench: build
	bench/run $(BUILD)

clean:
	rm -rf build

# Trains a policy with `podpilot train` on the simulator (the only environment for now), then
# evaluates it on the scenario's EVAL workloads. Example:
#   make train-simulation AGENT=dqn TIMESTEPS=200000 SCENARIO=boutique-step OUT=out/dqn
AGENT         ?= ppo
ENV_MODE      ?= simulate
TIMESTEPS     ?= 100000
EVAL_EPISODES ?= 100
SUITE         ?= scenarios/suites/default.yaml
SCENARIO      ?=
APP           ?=
SEED          ?= 1
OUT           ?= out/train-$(AGENT)
train-simulation:
	@if [ "$(ENV_MODE)" != "simulate" ]; then \
	  echo "train-simulation: ENV_MODE=$(ENV_MODE) is not supported; the only mode is ENV_MODE=simulate" >&2; exit 2; fi
	$(MAKE) build
	$(BUILD)/src/cli/podpilot train --agent $(AGENT) --suite $(SUITE) $(if $(SCENARIO),--scenario $(SCENARIO)) $(if $(APP),--app $(APP)) \
	  --timesteps $(TIMESTEPS) --seed $(SEED) --eval-episodes $(EVAL_EPISODES) --out $(OUT)
