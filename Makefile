# The two commands a fresh machine needs: `make demo` and `make test`.
# Each installs what is missing (scripts/setup), configures, builds and runs.
PRESET ?= release
BUILD  := build/$(PRESET)
JOBS   ?= $(shell nproc)

.PHONY: all setup configure build demo test test-asan bench clean train-simulation

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

test: build
	ctest --preset $(PRESET) -j $(JOBS)

test-asan:
	$(MAKE) test PRESET=asan

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
SEED          ?= 1
OUT           ?= out/train-$(AGENT)
train-simulation:
	@if [ "$(ENV_MODE)" != "simulate" ]; then \
	  echo "train-simulation: ENV_MODE=$(ENV_MODE) is not supported; the only mode is ENV_MODE=simulate" >&2; exit 2; fi
	$(MAKE) build
	$(BUILD)/src/cli/podpilot train --agent $(AGENT) --suite $(SUITE) $(if $(SCENARIO),--scenario $(SCENARIO)) \
	  --timesteps $(TIMESTEPS) --seed $(SEED) --eval-episodes $(EVAL_EPISODES) --out $(OUT)
