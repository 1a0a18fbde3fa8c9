# Thin front end over scripts/ and CMake presets. `make run` and `make test` work on a fresh machine.
.PHONY: deps build build-release run test unit integration clean format

JOBS ?= $(shell nproc)
PYTHON := /usr/bin/python3

deps:
	@scripts/install-deps

build: deps
	@cmake --preset debug >/dev/null
	@cmake --build build/debug -j $(JOBS)

build-release: deps
	@cmake --preset release >/dev/null
	@cmake --build build/release -j $(JOBS) --target veche

run: build-release
	build/release/veche serve $(ARGS)

unit: build
	ctest --test-dir build/debug --output-on-failure -j $(JOBS)

integration: build
	VECHE_BIN=$(CURDIR)/build/debug/veche $(PYTHON) -m pytest server/tests/integration -q -p no:cacheprovider

test: unit integration

clean:
	rm -rf build

format:
	find server bench -name '*.cpp' -o -name '*.hpp' | xargs clang-format -i
