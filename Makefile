# Thin wrapper over CMake. `make run` and `make test` do all the set-up on a fresh machine.
BUILD       ?= build
BUILD_ASAN  ?= build-asan
JOBS        ?= $(shell nproc)
CMAKE_FLAGS ?=
ERRKB       := $(BUILD)/errkb
DB          ?= errkb.db

.PHONY: all deps build run test test-release test-sanitize bench fuzz release format clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

# Install, build, ingest records/ into errkb.db, show a search.
run: build
	$(ERRKB) ingest records/ --db $(DB)
	$(ERRKB) search "port already allocated" --db $(DB)
	$(ERRKB) search "不兼容" --db $(DB)

# Every test twice: in the release build, then under AddressSanitizer and
# UndefinedBehaviorSanitizer (`make test-release` / `make test-sanitize` run one).
test: test-release test-sanitize

test-release: build
	@ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS)

test-sanitize: deps
	@cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" \
	  -DERRKB_SANITIZE=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD_ASAN) -j$(JOBS)
	@# ASan's redzones make stack frames several times larger: valijson's std::regex
	@# (recursive) on the longest string it is given (8,193 characters) needs more
	@# than the default 8 MiB there. Threads get the same limit as their default.
	@ulimit -s 65536 && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(BUILD_ASAN) --output-on-failure -j$(JOBS)

bench: build
	@scripts/install-deps.sh --bench
	@bench/run.sh $(BUILD)

fuzz: deps
	@scripts/install-deps.sh --fuzz
	@scripts/fuzz.sh

release: build
	@scripts/release.sh $(ERRKB)

format:
	@clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf $(BUILD) $(BUILD_ASAN)
