# The two commands a fresh machine needs: `make demo` and `make test`.
# Each installs what is missing (scripts/setup), configures, builds and runs.
PRESET ?= release
BUILD  := build/$(PRESET)
JOBS   ?= $(shell nproc)

.PHONY: all setup configure build demo test test-asan bench clean

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
