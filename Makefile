# CleanPlate: one build for every program. `make check` runs every test,
# `make demo` runs a short lunch, `make bench` prints the benchmarks.
#
# Layout of the build (BUILD=build by default; the sanitizer build uses build-asan):
#   $(BUILD)/libcp<module>.a   one static library per folder (core, receipts, pos, scale, backoffice)
#   $(BUILD)/cleanplate-*      the three programs
#   $(BUILD)/tests/test_*      one cmocka binary per tests/unit/test_*.c

PREFIX ?= /usr/local
BUILD ?= build
CC ?= cc

PKGS := sqlite3 libpq libsodium inih jansson libusb-1.0 libserialport ncursesw libqrencode \
        libmicrohttpd libcurl
# libharu and libcsv ship no pkg-config file on Debian: linked by name.
EXTRA_LIBS := -lhpdf -lcsv -lm -lpthread

WARN := -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wformat=2 -Werror
CFLAGS ?= -O2 -g
# pkg-config is asked once per make run, and only when something is compiled,
# so that `make check` can install missing packages before anything needs them.
PKG_CFLAGS = $(eval PKG_CFLAGS := $$(shell pkg-config --cflags $(PKGS)))$(PKG_CFLAGS)
PKG_LIBS = $(eval PKG_LIBS := $$(shell pkg-config --libs $(PKGS)))$(PKG_LIBS)
ALL_CPPFLAGS = -I. -D_GNU_SOURCE $(PKG_CFLAGS) $(CPPFLAGS)
ALL_CFLAGS = $(WARN) $(CFLAGS) $(SAN_FLAGS)

ifeq ($(SAN),1)
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
endif
ifeq ($(SAN),fuzz)
SAN_FLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
             -fno-sanitize-recover=all
endif

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

CORE_SRC := $(wildcard core/*.c)
RECEIPTS_SRC := $(wildcard receipts/*.c)
POS_SRC := $(filter-out pos/main.c,$(wildcard pos/*.c))
SCALE_SRC := $(filter-out scale/main.c,$(wildcard scale/*.c))
OFFICE_SRC := $(filter-out backoffice/main.c,$(wildcard backoffice/*.c))

# Order matters for static linking: users before what they use.
LIBS := $(BUILD)/libcpoffice.a $(BUILD)/libcpscale.a $(BUILD)/libcppos.a \
        $(BUILD)/libcpreceipts.a $(BUILD)/libcpcore.a
PROGRAMS := $(BUILD)/cleanplate-pos $(BUILD)/cleanplate-scale $(BUILD)/cleanplate-office
# The message catalogs (po/LL.po), built beside the programs (see "translations").
LINGUAS := $(patsubst po/%.po,%,$(wildcard po/*.po))
MO_FILES := $(foreach l,$(LINGUAS),$(BUILD)/locale/$(l)/LC_MESSAGES/cleanplate.mo)
LOCALEDIR = $(PREFIX)/share/locale

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
TEST_HELPERS := $(wildcard tests/unit/helpers/*.c)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_PROGS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))
BENCH_SRC := $(wildcard tests/bench/*.c)
BENCH_PROGS := $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))
# Small programs the integration tests drive core with (tests/tools/).
TOOLS_SRC := $(wildcard tests/tools/*.c)
TOOLS := $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(TOOLS_SRC))

.PHONY: all programs deps check demo bench fuzz install clean unit integration \
        check-asan fuzz-quick fuzz-build soak _check _check_runs _soak _demo _bench _fuzz
.DEFAULT_GOAL := all
# Keep object files of tests and fuzz targets (they are intermediates otherwise).
.SECONDARY:

all: deps
	@$(MAKE) --no-print-directory programs

programs: $(PROGRAMS) $(MO_FILES)

deps:
	@./scripts/install-deps.sh

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libcpcore.a: $(call obj,$(CORE_SRC))
$(BUILD)/libcpreceipts.a: $(call obj,$(RECEIPTS_SRC))
$(BUILD)/libcppos.a: $(call obj,$(POS_SRC))
$(BUILD)/libcpscale.a: $(call obj,$(SCALE_SRC))
$(BUILD)/libcpoffice.a: $(call obj,$(OFFICE_SRC))
$(BUILD)/lib%.a:
	@mkdir -p $(@D)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/cleanplate-pos: $(BUILD)/obj/pos/main.o $(LIBS)
$(BUILD)/cleanplate-scale: $(BUILD)/obj/scale/main.o $(LIBS)
$(BUILD)/cleanplate-office: $(BUILD)/obj/backoffice/main.o $(LIBS)
$(PROGRAMS):
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIBS) $(PKG_LIBS) $(EXTRA_LIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(call obj,$(TEST_HELPERS)) $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(call obj,$(TEST_HELPERS)) $(LIBS) \
	    $(PKG_LIBS) -lcmocka $(EXTRA_LIBS)

$(BUILD)/tools/%: $(BUILD)/obj/tests/tools/%.o $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIBS) $(PKG_LIBS) $(EXTRA_LIBS)

$(BUILD)/bench/%: $(BUILD)/obj/tests/bench/%.o $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIBS) $(PKG_LIBS) $(EXTRA_LIBS)

$(BUILD)/fuzz/%: $(BUILD)/obj/tests/fuzz/%.o $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer $(LDFLAGS) -o $@ $< $(LIBS) $(PKG_LIBS) $(EXTRA_LIBS)

# Built by tests/fuzz/run.sh as: make BUILD=build-fuzz CC=clang SAN=fuzz fuzz-build
fuzz-build: $(FUZZ_PROGS)

# An LD_PRELOAD shim that gives ptys modem lines and keeps their framing, so that
# libserialport accepts an emulated serial scale (see DESIGN.md).
SHIM := $(BUILD)/tiocm_shim.so
$(SHIM): tests/shim/tiocm_shim.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(WARN) -O2 -shared -fPIC -o $@ $< -ldl

# An LD_PRELOAD shim that fills the disk under the database while a flag file
# exists (tests/reliability/disk_full.sh).
ENOSPC_SHIM := $(BUILD)/enospc_shim.so
$(ENOSPC_SHIM): tests/shim/enospc_shim.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(WARN) -O2 -shared -fPIC -o $@ $< -ldl

# An LD_PRELOAD shim that runs a command when a PDF is begun: in the middle of
# the monthly report's reading (tests/integration/office_reports.sh).
PDFNEW_SHIM := $(BUILD)/pdfnew_shim.so
$(PDFNEW_SHIM): tests/shim/pdfnew_shim.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(WARN) -O2 -shared -fPIC -o $@ $< -ldl

# ---- translations ----------------------------------------------------------

# po/LL.po is built into $(BUILD)/locale/LL/LC_MESSAGES/cleanplate.mo, where the
# programs in $(BUILD) find it (core/nls.c); `make install` puts it in
# PREFIX/share/locale. `make po` extracts the programs' text again
# (po/extract.sh) and merges it into every po/LL.po, which then names what is
# new (untranslated) or changed (fuzzy); tests/integration/po_complete.sh fails
# until each is translated.
$(BUILD)/locale/%/LC_MESSAGES/cleanplate.mo: po/%.po
	@mkdir -p $(@D)
	msgfmt --check -o $@ $<

.PHONY: po
po:
	@mkdir -p $(BUILD)/po
	./po/extract.sh $(BUILD)/po/cleanplate.pot
	@for l in $(LINGUAS); do msgmerge --quiet --update --backup=none --no-wrap \
	    po/$$l.po $(BUILD)/po/cleanplate.pot && \
	    msgattrib --no-obsolete --no-wrap -o po/$$l.po po/$$l.po && \
	    msgfmt --statistics -o /dev/null po/$$l.po; done

# ---- tests ---------------------------------------------------------------

# The entry points install what is missing, then re-run make so that
# pkg-config sees the freshly installed packages.
# The builds before and between the suites (programs, tests, the ASan and fuzz
# builds) run on every core; the suites themselves run one after another.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

check: deps
	@$(MAKE) --no-print-directory -j$(JOBS) _check

# Each runner adds its counts to CHECK_COUNTS; the last line sums them up.
# One throw-away PostgreSQL serves the whole run (tests/with-pg.sh), so that
# what touches the store runs on both engines.
_check: export CHECK_COUNTS = $(abspath $(BUILD))/check-counts
_check: programs $(UNIT_TESTS) $(SHIM) $(ENOSPC_SHIM) $(PDFNEW_SHIM)
	@rm -f $(CHECK_COUNTS)
	@./tests/with-pg.sh $(MAKE) --no-print-directory _check_runs
	@awk '{p += $$1; f += $$2} END {printf "check: %d passed, %d failed\n", p, f}' $(CHECK_COUNTS)

_check_runs:
	@./tests/run-unit.sh $(BUILD) $(UNIT_TESTS)
	@./tests/run-integration.sh $(BUILD)
	@./tests/run-reliability.sh $(BUILD) quick
	@$(MAKE) --no-print-directory check-asan
	@$(MAKE) --no-print-directory fuzz-quick

# The unit tests on SQLite, and those that open a store again on a
# throw-away PostgreSQL (or on CLEANPLATE_TEST_PG's server when it is set).
unit: $(UNIT_TESTS) $(MO_FILES) $(SHIM)
	@./tests/with-pg.sh ./tests/run-unit.sh $(BUILD) $(UNIT_TESTS)

integration: programs $(SHIM) $(PDFNEW_SHIM)
	@./tests/run-integration.sh $(BUILD)
integration _check: $(TOOLS)

# The reliability suite (tests/reliability/) with its long sizes: a 60 s lunch
# rush, 50 kills of a terminal and of a station, a disk filling 100 times, a
# busy back office on 3 months of history, devices unplugged 15 times; one summary.
# `make check` runs the same scripts with quick sizes.
soak: deps
	@$(MAKE) --no-print-directory _soak

_soak: programs $(SHIM) $(ENOSPC_SHIM)
	@./tests/run-reliability.sh $(BUILD) soak

# The unit tests once more under AddressSanitizer and UndefinedBehaviorSanitizer.
check-asan:
	@$(MAKE) --no-print-directory BUILD=build-asan SAN=1 build-asan/tiocm_shim.so unit

# Fuzz targets (clang, libFuzzer): briefly in `make check`, long in `make fuzz`.
FUZZ_SECONDS ?= 600
fuzz-quick:
	+@./tests/fuzz/run.sh quick
fuzz: deps
	@FUZZ_SECONDS=$(FUZZ_SECONDS) ./tests/fuzz/run.sh long

# ---- demo and bench -------------------------------------------------------

# STORE=pg: the same month on a throw-away PostgreSQL (tests/with-pg.sh), into
# demo-out-pg/, compared with the SQLite run in demo-out/ when there is one.
STORE ?= sqlite

demo: deps
	@$(MAKE) --no-print-directory _demo

_demo: programs
ifeq ($(STORE),pg)
	@./tests/with-pg.sh ./scripts/demo.sh $(BUILD) pg
else
	@./scripts/demo.sh $(BUILD) $(STORE)
endif

bench: deps
	@$(MAKE) --no-print-directory _bench

_bench: programs $(BENCH_PROGS)
	@./tests/bench/run.sh $(BUILD)

# ---- install ----------------------------------------------------------------

# `make install PREFIX=/usr/local` as root; DESTDIR=DIR puts the same tree under
# DIR (packaging, tests: no root needed). Programs, man pages, data and examples
# go under PREFIX; udev rules, systemd units and the configuration go under /etc,
# where udev and systemd look. An admin's file in /etc is never overwritten: the
# configuration and the udev rules (where readers are added) are installed only
# when they are not there yet, else the new version goes beside them as
# FILE.dist. The units come from dist/systemd/*.in with @BINDIR@ set.
BINDIR = $(PREFIX)/bin
MAN1DIR = $(PREFIX)/share/man/man1
DATADIR = $(PREFIX)/share/cleanplate
EXAMPLEDIR = $(PREFIX)/share/doc/cleanplate/examples
CONFDIR = /etc/cleanplate
UDEVRULESDIR = /etc/udev/rules.d
UNITDIR = /etc/systemd/system
MANPAGES := $(wildcard doc/man/*.1)
UDEV_RULES := $(wildcard dist/udev/*.rules)
UNITS := $(patsubst dist/systemd/%.in,%,$(wildcard dist/systemd/*.service.in))
CONFIGS := pos station

.PHONY: uninstall

install: programs
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MAN1DIR) $(DESTDIR)$(DATADIR) \
	    $(DESTDIR)$(EXAMPLEDIR) $(DESTDIR)$(CONFDIR) $(DESTDIR)$(UDEVRULESDIR) \
	    $(DESTDIR)$(UNITDIR)
	install -m 755 $(PROGRAMS) $(DESTDIR)$(BINDIR)/
	@for l in $(LINGUAS); do \
	    echo "install -m 644 $(BUILD)/locale/$$l/LC_MESSAGES/cleanplate.mo $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES/"; \
	    install -d $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES && \
	    install -m 644 $(BUILD)/locale/$$l/LC_MESSAGES/cleanplate.mo \
	        $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES/ || exit 1; \
	done
	install -m 644 $(MANPAGES) $(DESTDIR)$(MAN1DIR)/
	if [ -d dist ]; then cp -r dist/. $(DESTDIR)$(DATADIR)/; fi
	install -m 644 $(foreach c,$(CONFIGS),dist/$(c).ini.example) $(DESTDIR)$(EXAMPLEDIR)/
	@for c in $(CONFIGS); do \
	    f=$(DESTDIR)$(CONFDIR)/$$c.ini; \
	    if [ -e "$$f" ]; then echo "kept $$f (yours); the example is in $(EXAMPLEDIR)"; \
	    else echo "install -m 644 dist/$$c.ini.example $$f"; \
	        install -m 644 dist/$$c.ini.example "$$f" || exit 1; fi; \
	done
	@for r in $(UDEV_RULES); do \
	    f=$(DESTDIR)$(UDEVRULESDIR)/$${r##*/}; \
	    if [ ! -e "$$f" ]; then echo "install -m 644 $$r $$f"; install -m 644 "$$r" "$$f" || exit 1; \
	    elif ! cmp -s "$$r" "$$f"; then install -m 644 "$$r" "$$f.dist" || exit 1; \
	        echo "kept $$f (yours); the new version is $$f.dist"; fi; \
	done
	@for u in $(UNITS); do \
	    echo "sed s|@BINDIR@|$(BINDIR)| dist/systemd/$$u.in > $(DESTDIR)$(UNITDIR)/$$u"; \
	    sed 's|@BINDIR@|$(BINDIR)|g' dist/systemd/$$u.in >$(DESTDIR)$(UNITDIR)/$$u.tmp && \
	        chmod 644 $(DESTDIR)$(UNITDIR)/$$u.tmp && \
	        mv -f $(DESTDIR)$(UNITDIR)/$$u.tmp $(DESTDIR)$(UNITDIR)/$$u || exit 1; \
	done
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" -eq 0 ]; then \
	    systemctl daemon-reload 2>/dev/null || true; \
	    udevadm control --reload 2>/dev/null || true; \
	fi

# Takes away what install put there, except what is an admin's: the configuration
# in /etc/cleanplate, udev rules that were changed, the database. Disable the
# units first: systemctl disable --now cleanplate-pos@tty2
uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(notdir $(PROGRAMS)))
	rm -f $(addprefix $(DESTDIR)$(MAN1DIR)/,$(notdir $(MANPAGES)))
	rm -f $(foreach l,$(LINGUAS),$(DESTDIR)$(LOCALEDIR)/$(l)/LC_MESSAGES/cleanplate.mo)
	rm -rf $(DESTDIR)$(DATADIR) $(DESTDIR)$(EXAMPLEDIR)
	rmdir $(DESTDIR)$(PREFIX)/share/doc/cleanplate 2>/dev/null || true
	rm -f $(addprefix $(DESTDIR)$(UNITDIR)/,$(UNITS))
	@for r in $(UDEV_RULES); do \
	    f=$(DESTDIR)$(UDEVRULESDIR)/$${r##*/}; rm -f "$$f.dist"; \
	    if [ -e "$$f" ] && ! cmp -s "$$r" "$$f"; then echo "kept $$f (changed by you)"; \
	    else rm -f "$$f"; fi; \
	done
	@echo "kept $(DESTDIR)$(CONFDIR) and the database (yours: remove them by hand)"

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
