# migrate - build, test, install.
#
#   make demo     install what is missing, build, upgrade versions/ to head
#                 on the default SQLite database (./dev.db), print current
#   make test     install what is missing, build, run every test: unit and
#                 integration suites (SQLite and a throwaway PostgreSQL),
#                 the guides' commands (check-docs), the suites again
#                 under AddressSanitizer + UBSan and valgrind, and each
#                 libFuzzer target for 60 seconds
#
# Objects go to $(O) (default build/), so several builds (plain, asan) can
# sit side by side.  WERROR=1 turns warnings into errors.

O        ?= build
PREFIX   ?= /usr/local
DESTDIR  ?=

PKGS     := libpq sqlite3 yaml-0.1 inih libcrypto
CC       ?= cc
CFLAGS   ?= -g -O2
WARN     := -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wold-style-definition \
            -Wdeclaration-after-statement -Wpointer-arith -Wwrite-strings \
            -Wcast-qual -Wformat=2 -Wformat-security -Wundef -Wvla \
            -Wimplicit-fallthrough -Wnull-dereference
ALL_CFLAGS   = $(WARN) -pthread $(CFLAGS) -MMD -MP
ALL_CPPFLAGS = -D_POSIX_C_SOURCE=200809L -Ilib/include \
               $(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(CPPFLAGS)
ALL_LDFLAGS  = -pthread $(LDFLAGS)
LIBS         = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -ldl
# The binary links neither libpq, libsqlite3 nor libcrypto: lib/dl.c
# loads each when a database of its kind is first opened, or the first
# SHA-256 is computed (lib/pq.h says why).  The test runners link all
# three, as they call them themselves.
BIN_LIBS     = $(shell pkg-config --libs $(filter-out libpq sqlite3 libcrypto,$(PKGS)) 2>/dev/null) -ldl
# A library's SONAME, for dlopen: read from the one we compile against.
soname       = $(or $(shell objdump -p "$$($(CC) -print-file-name=$(1))" \
                 2>/dev/null | awk '/SONAME/ {print $$2}'),$(2))
CHECK_LIBS   = $(shell pkg-config --libs check 2>/dev/null)

ifeq ($(WERROR),1)
ALL_CFLAGS += -Werror
endif
ifdef SANITIZE
ALL_CFLAGS  += -fsanitize=$(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer
ALL_LDFLAGS += -fsanitize=$(SANITIZE)
endif

LIB_SRC   := $(sort $(wildcard lib/*.c))
CMD_SRC   := $(sort $(wildcard cmd/*.c))
UNIT_SRC  := $(sort $(wildcard tests/unit/*.c)) tests/unit_main.c tests/testutil.c
INTEG_SRC := $(sort $(wildcard tests/integ/*.c)) tests/integ_main.c tests/testutil.c

LIB_OBJ   := $(LIB_SRC:%.c=$(O)/%.o)
CMD_OBJ   := $(CMD_SRC:%.c=$(O)/%.o)
UNIT_OBJ  := $(UNIT_SRC:%.c=$(O)/%.o)
INTEG_OBJ := $(INTEG_SRC:%.c=$(O)/%.o)

BIN       := $(O)/migrate
LIBA      := $(O)/libmigrate.a

.PHONY: all deps deps-test demo test check check-unit check-integ asan \
        valgrind fuzz bench install clean units

# `make` also compiles the C units of versions/ (SPEC: make or migrate build).
all: $(BIN) migrate units

# ./migrate is the plain build's binary, for the README and the demo.
migrate: $(O)/migrate
	@if [ "$(O)" = build ]; then cp $< $@; fi

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

# lib/ and tests/ see the internal header; cmd/ only the public one.
$(O)/lib/%.o $(O)/tests/%.o: ALL_CPPFLAGS += -Ilib -Itests

# Made anew each time, so an object whose source is gone leaves with it.
$(LIBA): $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(BIN): $(CMD_OBJ) $(LIBA)
	$(CC) $(ALL_LDFLAGS) -rdynamic -o $@ $(CMD_OBJ) $(LIBA) $(BIN_LIBS)

$(O)/lib/dl.o: ALL_CPPFLAGS += \
    -DMG_LIBPQ_SONAME='"$(call soname,libpq.so,libpq.so.5)"' \
    -DMG_LIBSQLITE_SONAME='"$(call soname,libsqlite3.so,libsqlite3.so.0)"' \
    -DMG_LIBCRYPTO_SONAME='"$(call soname,libcrypto.so,libcrypto.so.3)"'

$(O)/tests/unit_main: $(UNIT_OBJ) $(LIBA)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS) $(CHECK_LIBS)

$(O)/tests/integ_main: $(INTEG_OBJ) $(LIBA)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS) $(CHECK_LIBS)

# ------------------------------------------------------------------
# Dependencies: installed with apt-get when missing (as root), so every
# target below works on a fresh Debian machine.

BUILD_DEBS := gcc make pkg-config libc6-dev libpq-dev libsqlite3-dev \
              libyaml-dev libinih-dev libssl-dev check
TEST_DEBS  := $(BUILD_DEBS) postgresql sqlite3 valgrind util-linux procps \
              clang diffutils

define install_missing
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' \
	    || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then \
	    echo "not root: run  apt-get install$$missing  as root" >&2; exit 1; fi; \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      --no-install-recommends $$missing >/dev/null; } || exit 1; \
	fi
endef

deps:
	$(call install_missing,$(BUILD_DEBS))

deps-test:
	$(call install_missing,$(TEST_DEBS))

# ------------------------------------------------------------------
# The main job.

demo: deps
	$(MAKE) all units
	./migrate upgrade head
	./migrate current

# ------------------------------------------------------------------
# Tests.  `make test` is what .ci/run calls.

test: deps-test
	$(MAKE) WERROR=1 all $(O)/tests/unit_main $(O)/tests/integ_main
	$(MAKE) check-unit check-integ
	$(MAKE) asan
	$(MAKE) check-docs
	$(MAKE) valgrind
	$(MAKE) fuzz FUZZ_SECONDS=60

check: check-unit check-integ

# The tests keep the header cache (lib/ucache.c) in the build folder,
# out of the user's ~/.cache.
check-unit check-integ valgrind check-docs: export MIGRATE_CACHE_DIR = $(abspath $(O))/test-cache

check-unit: $(O)/tests/unit_main
	$(O)/tests/unit_main

check-integ: $(O)/tests/integ_main $(BIN) units
	MIGRATE_BIN=$(abspath $(BIN)) $(O)/tests/integ_main

# The whole suite again, built with AddressSanitizer + UBSan.
asan:
	$(MAKE) O=build-asan SANITIZE=address,undefined CFLAGS="-g -O1" WERROR=1 \
	    check-unit check-integ

# Unit suites and the integration suite under valgrind memcheck.  Check
# forks each test by default; CK_FORK=no keeps it in one process so
# valgrind sees everything (the Check maintainers' own advice).
VALGRIND := valgrind -q --error-exitcode=99 --leak-check=full \
            --errors-for-leak-kinds=definite,indirect \
            --suppressions=$(CURDIR)/tests/valgrind.supp
# The integration subset: `cli` with every run of the binary under
# valgrind, and the in-process `pg` and `schema_pg` suites (the runner
# itself under valgrind).  `cunit` and `reliability` (timing-bound, many
# processes) run under ASan+UBSan in `make asan`; under valgrind they would
# add minutes to CI's 15.
valgrind: $(O)/tests/unit_main $(O)/tests/integ_main $(BIN) units
	CK_FORK=no $(VALGRIND) $(O)/tests/unit_main
	CK_RUN_SUITE=cli CK_FORK=no MIGRATE_BIN=$(abspath $(BIN)) \
	  MIGRATE_WRAPPER="$(VALGRIND)" $(O)/tests/integ_main
	CK_RUN_SUITE=pg CK_FORK=no $(VALGRIND) $(O)/tests/integ_main
	CK_RUN_SUITE=schema_pg CK_FORK=no $(VALGRIND) $(O)/tests/integ_main

# C units of versions/: each NNNN_x.c becomes NNNN_x.so next to it,
# compiled by the freshly built binary (up-to-date objects are kept).
# MIGRATE_CONFIG is cleared so a developer's own config cannot redirect
# it; the test suites build the C units of their fixtures themselves.
units: $(BIN)
	MIGRATE_CONFIG= $(BIN) -x script_location=versions build

# `migrate build` finds migrate_unit.h in this source tree, or, once
# installed, in $(PREFIX)/include ($MIGRATE_INCLUDE and --include win).
$(O)/cmd/build.o: ALL_CPPFLAGS += \
	-DMG_INCLUDE_DIR='"$(CURDIR)/lib/include"' \
	-DMG_PREFIX_INCLUDE_DIR='"$(PREFIX)/include"'

# ------------------------------------------------------------------
# Benchmark (issue 9; docs/benchmarks.md).
#
#   make bench [BENCH_RUNS=9] [BENCH_PROFILE=1]
#
# builds an -O2 migrate in build-bench/ and bench/rss.c (wall time and
# peak RSS of each command it runs), then bench/bench.sh generates chains
# of 1,000 and 10,000 units, starts a throwaway PostgreSQL and prints the
# table: each figure a ratio against psql / the sqlite3 CLI measured in
# the same run, plus Alembic's for information.  The report, with the
# machine, versions and every raw run, goes to bench/results/.
# BENCH_PROFILE=1 then runs bench/profile.sh: statements sent per unit on
# PostgreSQL, callgrind of SQLite upgrade and heads, perf stat.

BENCH_O    := build-bench
BENCH_DEBS := $(BUILD_DEBS) postgresql sqlite3 python3-alembic \
              python3-psycopg2
BENCH_WARN := $(WARN) -O2

bench:
	$(call install_missing,$(BENCH_DEBS))
	$(MAKE) O=$(BENCH_O) CFLAGS="-g -O2" $(BENCH_O)/migrate
	$(CC) $(BENCH_WARN) -o $(BENCH_O)/rss bench/rss.c
	bash bench/bench.sh $(BENCH_O)/migrate $(BENCH_O)/rss
	@if [ "$(BENCH_PROFILE)" = 1 ]; then \
	  set -e; \
	  $(CC) $(BENCH_WARN) -o $(BENCH_O)/floor bench/floor.c; \
	  bash bench/profile.sh $(BENCH_O)/migrate $(BENCH_O)/floor; \
	fi

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/migrate
	install -m 644 docs/migrate.1 $(DESTDIR)$(PREFIX)/share/man/man1/migrate.1
	install -d $(DESTDIR)$(PREFIX)/include
	install -m 644 lib/include/migrate_unit.h \
	    $(DESTDIR)$(PREFIX)/include/migrate_unit.h

clean:
	rm -rf build build-asan build-fuzz migrate

-include $(LIB_OBJ:.o=.d) $(CMD_OBJ:.o=.d) $(UNIT_OBJ:.o=.d) $(INTEG_OBJ:.o=.d)

# ------------------------------------------------------------------
# Fuzzing (libFuzzer; clang with libclang-rt-14-dev).
#
#   make fuzz [FUZZ_SECONDS=60]
#
# builds build-fuzz/fuzz_sqlsplit and build-fuzz/fuzz_header and runs each
# for FUZZ_SECONDS, starting from its seeds in tests/fuzz/corpus/<name>/
# (and, for sqlsplit, the real dumps in tests/fixtures/sql/).
# lib/*.c is compiled again with coverage, ASan and UBSan into an archive,
# so each target links only the modules it calls.  New inputs go to
# build-fuzz/corpus-<name>/ (the seeds are left alone).  A crash, leak,
# hang or failed check stops make with the input saved as
# build-fuzz/crash-* (or leak-*, timeout-*); replay it with
# `build-fuzz/fuzz_<name> FILE`.

FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_TARGETS := sqlsplit header
FUZZ_SAN     := address,undefined -fno-sanitize-recover=all \
                -fno-omit-frame-pointer
FUZZ_CFLAGS  := $(WARN) -g -O1 -D_POSIX_C_SOURCE=200809L -Ilib -Ilib/include \
                $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
FUZZ_OBJ     := $(LIB_SRC:%.c=build-fuzz/%.o)

build-fuzz/lib/%.o: lib/%.c $(wildcard lib/*.h) lib/include/migrate.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,$(FUZZ_SAN) \
	    -c -o $@ $<

build-fuzz/libmigrate.a: $(FUZZ_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c build-fuzz/libmigrate.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer,$(FUZZ_SAN) -o $@ $< \
	    build-fuzz/libmigrate.a $(LIBS)

fuzz: $(FUZZ_TARGETS:%=build-fuzz/fuzz_%)
	@set -e; for t in $(FUZZ_TARGETS); do \
	  seeds=tests/fuzz/corpus/$$t; \
	  if [ $$t = sqlsplit ]; then seeds="$$seeds tests/fixtures/sql"; fi; \
	  mkdir -p build-fuzz/corpus-$$t; \
	  echo "fuzz_$$t: $(FUZZ_SECONDS)s (progress in build-fuzz/fuzz_$$t.log)"; \
	  if ! build-fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
	    -print_final_stats=1 -artifact_prefix=build-fuzz/ \
	    build-fuzz/corpus-$$t $$seeds > build-fuzz/fuzz_$$t.log 2>&1; then \
	    tail -60 build-fuzz/fuzz_$$t.log; exit 1; fi; \
	  grep -E '^(Done|stat::number_of_executed_units)' build-fuzz/fuzz_$$t.log; \
	done

# ------------------------------------------------------------------
# Operator guides (issue 8; tests/docs/README.md).
#
#   make check-docs
#
# runs every shell block of docs/heroku.md and docs/cutover.md marked
# <!-- run -->, as printed, in a copy of versions/, against SQLite and a
# throwaway PostgreSQL the script starts and stops itself, and checks
# each exit code and each output block the guides show; then checks
# docs/completion.bash on real command lines.  Needs psql, sqlite3 and
# PostgreSQL's initdb/pg_ctl (make deps-test installs them).

.PHONY: check-docs
check-docs: $(BIN) units
	MIGRATE_BIN=$(abspath $(BIN)) bash tests/docs/run_guides.sh
	MIGRATE_BIN=$(abspath $(BIN)) bash tests/docs/completion_test.sh
