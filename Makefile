# forkwatch: plain Makefile.  `make` builds, `make test` installs what it
# needs and runs every test, `make run` benchmarks this machine.
#   make ARCH=aarch64    cross-build for arm64 (static, runs under qemu-aarch64)
#   make SAN=1           AddressSanitizer + UBSan build (build/<arch>-san)
#   make STATIC=1        the collector alone, static and without uploads, as the
#                        cross build is: the x86-64 guest of forkwatch vm
#                        (build/x86_64-static/forkwatch)
#   make unit            build and run the unit tests (T=test_store: one)
#   make check T=t0510   build and run an end-to-end test (without T: every one)
#   make install         PREFIX=/usr/local, DESTDIR= (programs, man pages, units)
# Neither unit nor check installs anything (tests/README).

VERSION := 0.2.0
HOST_ARCH := $(shell uname -m)
ARCH ?= $(HOST_ARCH)

ifeq ($(ARCH),$(HOST_ARCH))
CROSS ?=
else ifeq ($(ARCH),aarch64)
CROSS ?= aarch64-linux-gnu-
else
$(error ARCH=$(ARCH): expected $(HOST_ARCH) or aarch64)
endif

CC := $(CROSS)gcc
AR := $(CROSS)ar
DEPS := build/deps/$(ARCH)
BUILD := build/$(ARCH)$(if $(STATIC),-static)$(if $(SAN),-san)

WARN := -Wall -Wextra -Wmissing-prototypes -Wstrict-prototypes -Wshadow -Wvla \
	-Wwrite-strings -Werror
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 $(WARN) -MMD -MP
CPPFLAGS += -I. -I$(DEPS)/include -DFORKWATCH_VERSION='"$(VERSION)"' -D_GNU_SOURCE
# libpq's headers (Debian's libpq-dev) live in a folder of their own
CPPFLAGS += -I/usr/include/postgresql
LDLIBS := $(DEPS)/lib/libperf.a $(DEPS)/lib/libapi.a -lm
TEST_LDLIBS := -lcmocka

ifeq ($(CROSS)$(STATIC),)
# uploads (forkwatch run/agent/register) need libcurl; the static cross
# build is bench-only
# (dlopen'ed at run time: see collectors/http.c), and so is libpfm4
# (collectors/counters.c): neither may be mapped in benchmark processes
CPPFLAGS += -DFW_HAVE_CURL -DFW_PFM_DLOPEN
endif
DAEMON_LDLIBS := -lsqlite3 -lpq -ljansson -lmicrohttpd -lsodium -lcurl -lz -lzstd -lpthread -lm

ifneq ($(CROSS),)
# multiarch libraries (libpfm4, cmocka) and the architecture-independent
# headers they install; -idirafter keeps the cross glibc headers first
CPPFLAGS += -idirafter /usr/include
LDFLAGS += -L/usr/lib/aarch64-linux-gnu
# static, so that qemu-aarch64 and a bare initramfs can run it as it is;
# a static non-PIE binary needs no relocation of libpfm4's tables
BIN_LDFLAGS := -static
LDLIBS += -lpfm
endif

ifneq ($(STATIC),)
BIN_LDFLAGS := -static
LDLIBS += -lpfm
endif

ifneq ($(SAN),)
CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
BIN_LDFLAGS :=
endif

# Each folder is a static library, so that a program or a test links only
# the objects it uses; dependencies run one way (t0010 checks it):
# lib.a <- collectors.a, lib.a <- daemon.a <- web.a.
LIB_SRC := $(wildcard lib/*.c)
COLLECTOR_SRC := $(filter-out collectors/main.c,$(wildcard collectors/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
COLLECTOR_OBJ := $(COLLECTOR_SRC:%.c=$(BUILD)/%.o)
DAEMON_SRC := $(filter-out daemon/main.c,$(wildcard daemon/*.c))
DAEMON_OBJ := $(DAEMON_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/migrations.o
WEB_SRC := $(wildcard web/*.c)
WEB_OBJ := $(WEB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/assets.o
LIB_A := $(BUILD)/lib.a
COLLECTORS_A := $(BUILD)/collectors.a
DAEMON_A := $(BUILD)/daemon.a
WEB_A := $(BUILD)/web.a
# tests/unit/test_*.c test lib/ and collectors/, tests/unit/daemon/ and
# tests/unit/web/ their folders; each becomes build/<arch>/tests/[DIR/]test_*
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# the daemon is built for the host only: lab machines run the collector
ifeq ($(CROSS)$(STATIC),)
PROGRAMS := $(BUILD)/forkwatch $(BUILD)/forkwatchd
DAEMON_UNIT_SRC := $(wildcard tests/unit/daemon/test_*.c tests/unit/web/test_*.c)
UNIT_BIN += $(DAEMON_UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
else
PROGRAMS := $(BUILD)/forkwatch
endif

.PHONY: all deps unit unit-build unit-list check test run stop clean  distclean install
# keep object files of tests (intermediates of a pattern chain) between builds
.SECONDARY:
all: $(PROGRAMS)

# built from Debian's linux-source-6.1 without root (scripts/deps.sh installs it)
$(DEPS)/lib/libperf.a:
	scripts/libperf.sh $(ARCH)

deps:
	scripts/deps.sh host

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# only the counters use libperf's headers
$(BUILD)/collectors/counters.o: | $(DEPS)/lib/libperf.a

$(LIB_A): $(LIB_OBJ)
$(COLLECTORS_A): $(COLLECTOR_OBJ)
$(DAEMON_A): $(DAEMON_OBJ)
$(WEB_A): $(WEB_OBJ)
$(BUILD)/%.a:
	@echo "  AR      $@"
	@rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/forkwatch: $(BUILD)/collectors/main.o $(COLLECTORS_A) $(LIB_A) | $(DEPS)/lib/libperf.a
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS) $(BIN_LDFLAGS) -o $@ $^ $(LDLIBS)

# each migration in both dialects: schema/migrations/NNN-name.sql and pg/NNN-name.sql
# (the folders too: a file removed or renamed is checked again)
$(BUILD)/gen/migrations.c: $(sort $(wildcard schema/migrations/*.sql)) $(wildcard schema/migrations/pg/*.sql) \
		schema/migrations schema/migrations/pg scripts/embed-sql.sh
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	@scripts/embed-sql.sh $(sort $(wildcard schema/migrations/*.sql)) >$@.tmp && mv $@.tmp $@

$(BUILD)/gen/migrations.o: $(BUILD)/gen/migrations.c
	@echo "  CC      $@"
	@$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# web/static files compiled into forkwatchd (served under /static/)
$(BUILD)/gen/assets.c: $(sort $(wildcard web/static/*)) scripts/embed-assets.sh
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	@scripts/embed-assets.sh $(sort $(wildcard web/static/*)) >$@.tmp && mv $@.tmp $@

$(BUILD)/gen/assets.o: $(BUILD)/gen/assets.c
	@echo "  CC      $@"
	@$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# the web first: it needs the daemon, which needs lib (static libraries
# are searched once, in order)
$(BUILD)/forkwatchd: $(BUILD)/daemon/main.o $(WEB_A) $(DAEMON_A) $(LIB_A)
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(DAEMON_LDLIBS)

# bench/pages.sh's yardstick: the daemon's HTTP layer serving one fixed page
$(BUILD)/bench/fixed-page: $(BUILD)/bench/fixed-page.o $(DAEMON_A) $(LIB_A)
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(DAEMON_LDLIBS)

$(BUILD)/tests/web/%: $(BUILD)/tests/unit/web/%.o $(WEB_A) $(DAEMON_A) $(LIB_A)
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(DAEMON_LDLIBS) $(TEST_LDLIBS)

$(BUILD)/tests/daemon/%: $(BUILD)/tests/unit/daemon/%.o $(DAEMON_A) $(LIB_A)
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(DAEMON_LDLIBS) $(TEST_LDLIBS)

# tests of lib/ (tests/unit/test_X.c of a lib/X.c) link lib.a alone
LIB_UNIT_BIN := $(filter $(LIB_SRC:lib/%.c=$(BUILD)/tests/test_%),$(UNIT_BIN))
$(LIB_UNIT_BIN): $(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIB_A)
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS) -o $@ $^ -lm $(TEST_LDLIBS)

# tests of collectors/ (libperf: in case the test uses the counters)
$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(COLLECTORS_A) $(LIB_A) | $(DEPS)/lib/libperf.a
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(TEST_LDLIBS)

unit-build: $(UNIT_BIN)

# `make unit`: build and run the unit tests, or one (T=test_store, T=web/test_html)
unit: $(UNIT_BIN)
	@tests/run.sh $(if $(T),$(or $(filter %/$(T),$(UNIT_BIN)),$(error T=$(T): no such unit test)),$(UNIT_BIN))

# `make check T=t0510`: build and run one end-to-end test (several: T='t0510
# t0520'; without T, every one) against this build
check: all unit-build
	@tests/run.sh $(if $(T),$(T),$(wildcard tests/e2e/t[0-9]*.sh))

# the unit-test programs of this configuration, one a line: tests/run-all.sh
# runs each and fails one that was not built
unit-list:
	@printf '%s\n' $(UNIT_BIN)

# `make test`: every test, installing what they need first
# make test builds with one job per CPU unless given -j, and runs TEST_JOBS
# tests at once (tests/README: which tests run alone, which share)
TEST_JOBS ?= 4
TEST_MAKE = $(MAKE) $(if $(filter -j%,$(MAKEFLAGS)),,-j$(shell nproc))
test:
	scripts/deps.sh host aarch64 test
	$(TEST_MAKE) all unit-build
	$(TEST_MAKE) SAN=1 all unit-build
	$(TEST_MAKE) ARCH=aarch64 all unit-build
	$(TEST_MAKE) STATIC=1 all
	$(TEST_MAKE) fuzz
	tests/run-all.sh -j $(TEST_JOBS)

# start forkwatchd with a local database, register and benchmark this machine
run:
	scripts/deps.sh host
	$(MAKE) all
	scripts/run.sh

stop:
	@if [ -f build/run/forkwatchd.pid ]; then kill $$(cat build/run/forkwatchd.pid) 2>/dev/null; rm -f build/run/forkwatchd.pid; echo "forkwatchd stopped"; fi

# `make install [PREFIX=/usr/local] [DESTDIR=]`: the programs, their man
# pages, the systemd units (ExecStart pointed at BINDIR) and the agent's
# environment file as an example (/etc is left to the administrator)
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
UNITDIR ?= $(PREFIX)/lib/systemd/system
DOCDIR ?= $(PREFIX)/share/doc/forkwatch

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(DOCDIR)
	install -m 755 $(PROGRAMS) $(DESTDIR)$(BINDIR)/
	install -m 644 docs/man/forkwatch.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 docs/man/forkwatchd.8 $(DESTDIR)$(MANDIR)/man8/
	for u in contrib/systemd/*.service; do \
		sed 's|/usr/local/bin/|$(BINDIR)/|g' $$u >$(DESTDIR)$(UNITDIR)/$${u##*/} && \
		chmod 644 $(DESTDIR)$(UNITDIR)/$${u##*/} || exit 1; \
	done
	install -m 644 contrib/systemd/forkwatch.default $(DESTDIR)$(DOCDIR)/forkwatch.default
	@echo "installed in $(DESTDIR)$(PREFIX): $(notdir $(PROGRAMS)) in $(BINDIR), man pages forkwatch(1) and forkwatchd(8), units in $(UNITDIR)"

clean:
	rm -rf build/$(ARCH) build/$(ARCH)-san build/$(ARCH)-static build/aarch64 build/aarch64-san

distclean:
	rm -rf build

# ---- libFuzzer targets: `make fuzz` -------------------------------------
# One fuzzer per parser of outside input (tests/fuzz/fuzz_<name>.c, see
# tests/fuzz/README.md), built with clang into build/fuzz, apart from the
# gcc builds: the sources again with coverage, ASan and UBSan into
# build/fuzz/obj.  tests/e2e/t0800-fuzz-short.sh runs them briefly,
# bench/fuzz.sh for long.  The host's build only.
FUZZ_CC ?= clang
FUZZ_DIR := build/fuzz
FUZZ_OBJ := $(FUZZ_DIR)/obj
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS := -O1 -g -std=gnu11 $(WARN) -MMD -MP $(FUZZ_SAN)
FUZZ_NAMES := $(sort $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c)))
# the collector's parsers link the collector's objects; the rest the daemon's
FUZZ_COLLECTOR_NAMES := $(filter smaps pagemap ident knob spool upload parse noise frame kimage,$(FUZZ_NAMES))
FUZZ_DAEMON_NAMES := $(filter-out $(FUZZ_COLLECTOR_NAMES),$(FUZZ_NAMES))
FUZZ_BIN := $(FUZZ_NAMES:%=$(FUZZ_DIR)/fuzz_%)
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_OBJ)/%.o)
FUZZ_COLLECTOR_OBJ := $(COLLECTOR_SRC:%.c=$(FUZZ_OBJ)/%.o)
# the generated sources (migrations, assets) come from the gcc build's rules
FUZZ_DAEMON_OBJ := $(patsubst $(BUILD)/%,$(FUZZ_OBJ)/%,$(DAEMON_OBJ) $(WEB_OBJ))

.PHONY: fuzz
ifeq ($(CROSS)$(SAN),)
fuzz: $(FUZZ_BIN)
else
fuzz:
	$(error make fuzz: the host's build only, without ARCH= or SAN=)
endif

$(FUZZ_OBJ)/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	@$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_OBJ)/%.o: %.c | $(DEPS)/lib/libperf.a
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	@$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_COLLECTOR_NAMES:%=$(FUZZ_DIR)/fuzz_%): $(FUZZ_COLLECTOR_OBJ)
$(FUZZ_DAEMON_NAMES:%=$(FUZZ_DIR)/fuzz_%): $(FUZZ_DAEMON_OBJ)
$(FUZZ_DIR)/fuzz_%: $(FUZZ_OBJ)/tests/fuzz/fuzz_%.o $(FUZZ_LIB_OBJ)
	@echo "  FUZZLD  $@"
	@$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(LDLIBS) $(DAEMON_LDLIBS)
# ---- end of the libFuzzer targets ------------------------------------------

-include $(shell find build -name '*.d' 2>/dev/null)
