# Thin front end over scripts/ and CMake presets. `make run` and `make test` work on a fresh machine.
.PHONY: deps build build-release web run test unit integration web-unit web-e2e clean format

JOBS ?= $(shell nproc)
# When this make began (read once, at parse time): run-tests reports how long install and build took.
MAKE_STARTED := $(shell date +%s)
PYTHON := /usr/bin/python3

deps:
	@scripts/install-deps
	@scripts/install-web-deps

build: deps
	@cmake --preset debug >/dev/null
	@cmake --build build/debug -j $(JOBS)

build-release: deps
	@cmake --preset release >/dev/null
	@cmake --build build/release -j $(JOBS) --target veche

web: deps
	cd web && npm run build

# The embedded default: SQLite and files under ./data, http://127.0.0.1:8080, the web client at /.
run: build-release web
	build/release/veche serve --web web/dist $(ARGS)

# The server's tests run against both storage backends, with a private PostgreSQL and Redis that
# scripts/with-test-services starts on free loopback ports and stops afterwards.
# The service tests run a second time on PostgreSQL (the storage tests proper are per backend).
unit: build
	scripts/with-test-services sh -c 'ctest --test-dir build/debug --output-on-failure -j $(JOBS) && \
	  echo "== service tests on PostgreSQL ==" && VECHE_TEST_STORAGE=postgresql ctest --test-dir build/debug \
	    --output-on-failure -j $(JOBS) -R "^(AccountService|ChatService|RoleService|CalendarService|SigningService|Hub|ApiRoutes|ExampleModule|Timeline|SearchIndex|Attachments|AttachmentOwnersTest)\."'

PYTEST := VECHE_BIN=$(CURDIR)/build/debug/veche $(PYTHON) -m pytest server/tests/integration -q -p no:cacheprovider
integration: build
	scripts/with-test-services sh -c 'echo "== SQLite ==" && VECHE_TEST_STORAGE=sqlite $(PYTEST) && \
	  echo "== PostgreSQL ==" && VECHE_TEST_STORAGE=postgresql $(PYTEST)'

web-unit: deps
	cd web && npm run test:unit

web-e2e: build web
	cd web && VECHE_BIN=$(CURDIR)/build/debug/veche npm run test:e2e

# Everything, in parallel lanes on one private PostgreSQL and Redis (scripts/run-tests).
test: build web
	@VECHE_MAKE_STARTED=$(MAKE_STARTED) scripts/run-tests

clean:
	rm -rf build web/dist

format:
	find server bench -name '*.cpp' -o -name '*.hpp' | xargs clang-format -i

# Load benchmarks (bench/README.md): the quick scenarios against the release build, about 5 minutes.
.PHONY: bench
bench: build-release
	@cmake --build build/release -j $(JOBS) --target veche-bench
	@bench/run-quick.sh build/release
