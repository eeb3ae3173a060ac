# The two set-up commands are `make demo` and `make test`; both bootstrap first (idempotent).
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= 2
AUTOPILOT := $(BUILD_DIR)/apps/autopilot/autopilot

.PHONY: all bootstrap configure build test demo bench format clean

all: build

bootstrap:
	@scripts/bootstrap

# Always re-run the (cheap, cached) configure step: module folders are discovered at configure
# time, so a new src/autopilot/<module> or tests/<area> must be picked up by an incremental build.
configure: bootstrap
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) > $(BUILD_DIR).configure.log 2>&1 \
	  || { cat $(BUILD_DIR).configure.log; exit 1; }

build: configure
	cmake --build $(BUILD_DIR) -j$(JOBS)

test: build
	ctest --test-dir $(BUILD_DIR) -j$(JOBS) --output-on-failure --timeout 300

demo: build
	@scripts/demo $(AUTOPILOT)

bench: build
	@bench/run_all $(BUILD_DIR)

format:
	@find src apps tests bench -name '*.cc' -o -name '*.h' -o -name '*.cpp' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR)
