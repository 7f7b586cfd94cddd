# Thin wrapper over CMake. `make run` and `make test` work on a fresh Debian 12
# machine: they install what is missing, build, then run.
BUILD     ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS      ?= $(shell nproc)
SANITIZE  ?=
CMAKE_ARGS ?=
# The libFuzzer build (clang, ASan+UBSan, fuzz/): `make fuzz` runs each
# fuzzer FUZZ_SECONDS; `make test` runs each TEST_FUZZ_SECONDS (0 = not at all).
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 300
TEST_FUZZ_SECONDS ?= 20

DEBIAN_PACKAGES := cmake make g++ pkg-config git \
	libpoco-dev libyaml-cpp-dev libfmt-dev doctest-dev \
	libblkid-dev libmount-dev libsqlite3-dev \
	e2fsprogs xfsprogs util-linux kmod python3 clang-format \
	docker.io busybox-static python3-zeep strace \
	clang libclang-rt-dev \
	dpkg-dev systemd ccache

.PHONY: all deps build run test crashtest bench sanitize tsan fuzz fuzz-build format clean \
	package package-check docker-plugin

all: build

deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "deps: all Debian packages present"; fi
	@# moto (the EC2 emulator the ebs tests run against) comes with the python3 on PATH
	@# on these machines; elsewhere pip installs it (PyPI must be reachable then).
	@python3 -c 'import moto, botocore' 2>/dev/null || python3 -m pip install --quiet 'moto[server]' awscli \
	  || echo "warning: python3 has no moto and pip could not install it: the EC2 tests will fail"

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DREXRAY_SANITIZE=$(SANITIZE) $(CMAKE_ARGS)

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

run: deps build
	$(BUILD)/bin/rexray start -f

test: deps build
	cd $(BUILD) && ctest --output-on-failure -j 2
ifneq ($(TEST_FUZZ_SECONDS),0)
	$(MAKE) fuzz FUZZ_SECONDS=$(TEST_FUZZ_SECONDS)
endif

# The daemon SIGKILLed 500 times under concurrent Docker callers (a few
# minutes); `make test` runs a 30-kill version.
crashtest: deps build
	REXRAY=$(BUILD)/bin/rexray python3 tests/integration/crashtest.py --kills 500

# Every benchmark records its figures in $(BUILD)/bench-results.jsonl;
# bench/report.py writes bench/results.md and the README's table from them.
# BENCH_VOLUMES sets the scale run's volume count (10,000).
BENCH_VOLUMES ?= 10000
bench: deps build
	rm -f $(BUILD)/bench-results.jsonl
	BENCH_RESULTS=$(CURDIR)/$(BUILD)/bench-results.jsonl bench/mount_cycle.sh $(BUILD)/bin/rexray
	python3 bench/docker_cycle.py $(BUILD)/bin/rexray $(BUILD)/bin/mount_floor --results $(BUILD)/bench-results.jsonl
	BENCH_RESULTS=$(CURDIR)/$(BUILD)/bench-results.jsonl bench/docker_api.sh $(BUILD)/bin/rexray $(BUILD)/bin/docker_api_load
	python3 bench/scale.py $(BUILD)/bin/rexray --volumes $(BENCH_VOLUMES) --results $(BUILD)/bench-results.jsonl
	if [ -e $(BUILD)/lib/rexray/plugins/librexray-ebs.so ]; then BENCH_RESULTS=$(CURDIR)/$(BUILD)/bench-results.jsonl python3 bench/ebs_calls.py $(BUILD)/bin/rexray; fi
	python3 bench/report.py $(BUILD)/bench-results.jsonl bench/results.md README.md

# The whole suite under AddressSanitizer and UndefinedBehaviorSanitizer (the
# fuzzers already run under both in `make test`).
sanitize: deps
	$(MAKE) test BUILD=build-asan BUILD_TYPE=Debug SANITIZE=address,undefined TEST_FUZZ_SECONDS=0

# The unit tests under ThreadSanitizer. tests/tsan.supp says what it
# suppresses and why; a race it reports fails the run.
tsan: deps
	$(MAKE) build BUILD=build-tsan BUILD_TYPE=Debug SANITIZE=thread
	cd build-tsan && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$(CURDIR)/tests/tsan.supp" \
	  ctest --output-on-failure -j 2 -R '^unit'

# The libFuzzer targets (fuzz/CMakeLists.txt): only they and what they link
# are built, with clang, instrumented for coverage, ASan and UBSan.
$(FUZZ_BUILD)/CMakeCache.txt:
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
	  -DCMAKE_CXX_COMPILER=clang++ -DREXRAY_FUZZ=ON -DREXRAY_TESTS=OFF $(CMAKE_ARGS)

fuzz-build: deps $(FUZZ_BUILD)/CMakeCache.txt
	cmake --build $(FUZZ_BUILD) --target rexray_fuzzers -j $(JOBS)

fuzz: fuzz-build
	rm -f $(FUZZ_BUILD)/fuzz-artifacts/*/summary
	cd $(FUZZ_BUILD) && FUZZ_SECONDS=$(FUZZ_SECONDS) ctest --output-on-failure -j 2 -R '^fuzz: '
	@cat $(FUZZ_BUILD)/fuzz-artifacts/*/summary

# Debian packages (README: Install from packages) in $(PKG_BUILD)/packages,
# from a /usr build of their own. package-check builds them a second time in
# $(PKG_BUILD)-again and fails unless each .deb is byte-identical.
PKG_BUILD ?= build-pkg
package: deps
	JOBS=$(JOBS) packaging/build-packages.sh $(PKG_BUILD)

package-check: deps
	JOBS=$(JOBS) packaging/check-reproducible.sh $(PKG_BUILD) $(PKG_BUILD)-again

# A Docker managed plugin for one driver (README: Docker managed plugin).
DRIVER ?=
PLUGIN_NAME ?= rexray/$(DRIVER)
docker-plugin: build
	@test -n "$(DRIVER)" || { echo "usage: make docker-plugin DRIVER=<vfs|ebs|...> [PLUGIN_NAME=...]"; exit 2; }
	python3 packaging/docker-plugin/make_plugin.py --build $(BUILD) --driver $(DRIVER) \
	  --out $(BUILD)/docker-plugin/$(DRIVER) --create $(PLUGIN_NAME)

format:
	git ls-files '*.c' '*.h' '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	rm -rf $(BUILD) build-asan build-tsan $(FUZZ_BUILD) $(PKG_BUILD) $(PKG_BUILD)-again
