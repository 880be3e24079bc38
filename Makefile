# migrate - build, test, install.
#
#   make demo     install what is missing, build, upgrade versions/ to head
#                 on the default SQLite database (./dev.db), print current
#   make test     install what is missing, build, run every test: unit and
#                 integration suites (SQLite and a throwaway PostgreSQL),
#                 the same under AddressSanitizer + UBSan, and valgrind
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
ALL_CFLAGS   = $(WARN) $(CFLAGS) -MMD -MP
ALL_CPPFLAGS = -D_POSIX_C_SOURCE=200809L -Ilib/include \
               $(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(CPPFLAGS)
ALL_LDFLAGS  = $(LDFLAGS)
LIBS         = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -ldl
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

all: $(BIN) migrate

# ./migrate is the plain build's binary, for the README and the demo.
migrate: $(O)/migrate
	@if [ "$(O)" = build ]; then cp $< $@; fi

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

# lib/ and tests/ see the internal header; cmd/ only the public one.
$(O)/lib/%.o $(O)/tests/%.o: ALL_CPPFLAGS += -Ilib -Itests

$(LIBA): $(LIB_OBJ)
	$(AR) rcs $@ $^

$(BIN): $(CMD_OBJ) $(LIBA)
	$(CC) $(ALL_LDFLAGS) -rdynamic -o $@ $(CMD_OBJ) $(LIBA) $(LIBS)

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
	$(MAKE) all
	./migrate upgrade head
	./migrate current

# ------------------------------------------------------------------
# Tests.  `make test` is what .ci/run calls.

test: deps-test
	$(MAKE) WERROR=1 all $(O)/tests/unit_main $(O)/tests/integ_main
	$(MAKE) check-unit check-integ
	$(MAKE) asan
	$(MAKE) valgrind

check: check-unit check-integ

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
            --errors-for-leak-kinds=definite,indirect --track-origins=yes \
            --suppressions=tests/valgrind.supp
valgrind: $(O)/tests/unit_main $(O)/tests/integ_main $(BIN) units
	CK_FORK=no $(VALGRIND) $(O)/tests/unit_main
	CK_FORK=no MIGRATE_BIN=$(abspath $(BIN)) \
	  MIGRATE_WRAPPER="$(VALGRIND)" $(O)/tests/integ_main

# C units of versions/ (and of test fixtures that need them).
units: $(BIN)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/migrate
	install -m 644 docs/migrate.1 $(DESTDIR)$(PREFIX)/share/man/man1/migrate.1

clean:
	rm -rf build build-asan build-fuzz migrate

-include $(LIB_OBJ:.o=.d) $(CMD_OBJ:.o=.d) $(UNIT_OBJ:.o=.d) $(INTEG_OBJ:.o=.d)
