# Thin wrapper over CMake. `make run` and `make test` work on a fresh Debian 12
# machine: they install what is missing, build, then run.
BUILD     ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS      ?= $(shell nproc)
SANITIZE  ?=
CMAKE_ARGS ?=

DEBIAN_PACKAGES := cmake make g++ pkg-config git \
	libpoco-dev libyaml-cpp-dev libfmt-dev doctest-dev \
	libblkid-dev libmount-dev libsqlite3-dev \
	e2fsprogs xfsprogs util-linux kmod python3 clang-format \
	docker.io busybox-static python3-zeep

.PHONY: all deps build run test crashtest bench sanitize format clean

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

# The daemon SIGKILLed 500 times under concurrent Docker callers (a few
# minutes); `make test` runs a 30-kill version.
crashtest: deps build
	REXRAY=$(BUILD)/bin/rexray python3 tests/integration/crashtest.py --kills 500

bench: deps build
	bench/mount_cycle.sh $(BUILD)/bin/rexray
	bench/docker_api.sh $(BUILD)/bin/rexray $(BUILD)/bin/docker_api_load
	if [ -e $(BUILD)/lib/rexray/plugins/librexray-ebs.so ]; then python3 bench/ebs_calls.py $(BUILD)/bin/rexray; fi

# The whole suite under AddressSanitizer and UndefinedBehaviorSanitizer.
sanitize: deps
	$(MAKE) test BUILD=build-asan BUILD_TYPE=Debug SANITIZE=address,undefined

format:
	git ls-files '*.c' '*.h' '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	rm -rf $(BUILD) build-asan
