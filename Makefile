# mmstats: libmmstats, mmstatsfs and the reader tools.
#
#   make                 build everything into $(B) (default build/)
#   make check           unit, integration and fuzz tests, then again
#                        under ASan/UBSan ($(B)/asan)
#   make bench           benchmarks (tests/bench), a table on stdout
#   make install         PREFIX=/usr/local DESTDIR= (packaging/README.md);
#                        everything under PREFIX unless told otherwise
#   make uninstall       exactly what make install recorded in MANIFEST
#   make check-packaging build, lint, install, check and remove the Debian
#                        packages on this machine (root)
#
# Sources are found by convention, so adding a file needs no edit here:
#   lib/*.c              libmmstats (static and shared)
#   fs/*.c               mmstatsfs; fs/main.c holds main()
#   tools/NAME.c         main() of tool NAME (see TOOLS); every other
#                        tools/*.c is shared code linked into all tools
#   tests/unit/test_*.c  cmocka tests, linked with everything above
#   tests/integration/test_*.{sh,py}   run against a real build
#   tests/fuzz/fuzz_*.c  libFuzzer targets (clang)
#   tests/bench/*.c      benchmark programs
#   tests/helpers/*.c    programs the tests run (build/helpers/NAME)

PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
LIBDIR	?= $(PREFIX)/lib
INCDIR	?= $(PREFIX)/include
MANDIR	?= $(PREFIX)/share/man
# Under PREFIX too; give MOUNTHELPERDIR=/sbin for mount(8) to find the
# helpers (packaging/install.mk).  Empty: that part is left out.
UNITDIR	?= $(PREFIX)/lib/systemd/system
MOUNTHELPERDIR ?= $(PREFIX)/sbin
# What make install put where, for make uninstall (packaging/inst.sh).
MANIFEST ?= $(PREFIX)/share/mmstats/install-manifest
DESTDIR	?=
# Refused before anything is done: see packaging/dirs.mk.
include packaging/dirs.mk

B	?= build
CC	?= cc
CLANG	?= clang
PKG_CONFIG ?= pkg-config
SAN	?=

# The ABI: SOVERSION changes when a struct or a function changes shape
# (the soname), SOMINOR when symbols are only added.  The file is
# libmmstats.so.SOVERSION.SOMINOR, as libtool names it.
SOVERSION	= 1
SOMINOR		= 0.0
# The one place the version is written is mmstats.h.
LIBVERSION	:= $(shell sed -n 's/^\#define MMSTATS_VERSION[[:space:]]*"\(.*\)"/\1/p' lib/mmstats.h)
TOOLS		= slurpstats pollstats cleanstats mmash

CFLAGS	?= -O2 -g
WARN	= -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	  -Wmissing-prototypes -Wpointer-arith -Wformat=2 -Wvla \
	  -Wno-missing-field-initializers
CPPFLAGS += -D_GNU_SOURCE -Ilib
ALL_CFLAGS = -std=gnu11 -fPIC $(WARN) $(CFLAGS) -MMD -MP

ifneq ($(SAN),)
ALL_CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all \
	      -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif

FUSE_CFLAGS := $(shell $(PKG_CONFIG) --cflags fuse3 2>/dev/null)
FUSE_LIBS   := $(shell $(PKG_CONFIG) --libs fuse3 2>/dev/null)
MHD_LIBS    := $(shell $(PKG_CONFIG) --libs libmicrohttpd 2>/dev/null)
BSD_LIBS    := $(shell $(PKG_CONFIG) --libs libbsd 2>/dev/null)
CMOCKA_LIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

LIB_SRCS	= $(wildcard lib/*.c)
FS_SRCS		= $(wildcard fs/*.c)
FS_LIB_SRCS	= $(filter-out fs/main.c,$(FS_SRCS))
TOOL_MAINS	= $(TOOLS:%=tools/%.c)
TOOL_LIB_SRCS	= $(filter-out $(TOOL_MAINS),$(wildcard tools/*.c))
UNIT_SRCS	= $(wildcard tests/unit/test_*.c)
BENCH_SRCS	= $(wildcard tests/bench/*.c)
HELPER_SRCS	= $(wildcard tests/helpers/*.c)
FUZZ_SRCS	= $(wildcard tests/fuzz/fuzz_*.c)

obj = $(patsubst %.c,$(B)/%.o,$(1))

LIB_A		= $(B)/libmmstats.a
LIB_SO		= $(B)/libmmstats.so.$(SOVERSION).$(SOMINOR)
FS_A		= $(B)/libmmstatsfs.a
TOOLS_A		= $(B)/libtools.a
PROGS		= $(B)/mmstatsfs $(TOOLS:%=$(B)/%)
UNIT_BINS	= $(patsubst tests/unit/%.c,$(B)/unit/%,$(UNIT_SRCS))
BENCH_BINS	= $(patsubst tests/bench/%.c,$(B)/bench/%,$(BENCH_SRCS))
HELPER_BINS	= $(patsubst tests/helpers/%.c,$(B)/helpers/%,$(HELPER_SRCS))
TEST_BINS	= $(UNIT_BINS) $(HELPER_BINS)
FUZZ_BINS	= $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(FUZZ_SRCS))

SYS_LIBS	= -lpthread -lm
PROG_LIBS	= $(BSD_LIBS) $(SYS_LIBS)

.PHONY: all check check-unit check-integration check-fuzz check-asan \
	bench fuzz stress install uninstall clean check-packaging

all: $(LIB_A) $(LIB_SO) $(B)/mmstats.pc $(PROGS)

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(FUSE_CFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(LIB_A): $(call obj,$(LIB_SRCS))
	@rm -f $@
	$(AR) rcs $@ $^

$(LIB_SO): $(call obj,$(LIB_SRCS)) lib/libmmstats.map
	$(CC) -shared -Wl,-soname,libmmstats.so.$(SOVERSION) \
		-Wl,--version-script=lib/libmmstats.map -Wl,-z,defs \
		$(LDFLAGS) -o $@ $(call obj,$(LIB_SRCS)) $(SYS_LIBS)
	ln -sf $(notdir $@) $(B)/libmmstats.so.$(SOVERSION)
	ln -sf $(notdir $@) $(B)/libmmstats.so

PC_SUBST = sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|; s|@INCDIR@|$(INCDIR)|; s|@VERSION@|$(LIBVERSION)|'

$(B)/mmstats.pc: lib/mmstats.pc.in
	@mkdir -p $(@D)
	$(PC_SUBST) $< > $@

$(FS_A): $(call obj,$(FS_LIB_SRCS))
	@rm -f $@
	$(AR) rcs $@ $^

$(TOOLS_A): $(call obj,$(TOOL_LIB_SRCS))
	@rm -f $@
	$(AR) rcs $@ $^

# fs/bulk.c writes Prometheus text with tools/prom.c.
$(B)/mmstatsfs: $(B)/fs/main.o $(FS_A) $(TOOLS_A) $(LIB_A)
	$(CC) $(LDFLAGS) -o $@ $^ $(FUSE_LIBS) $(PROG_LIBS)

$(TOOLS:%=$(B)/%): $(B)/%: $(B)/tools/%.o $(TOOLS_A) $(LIB_A)
	$(CC) $(LDFLAGS) -o $@ $^ $(MHD_LIBS) $(PROG_LIBS)

$(B)/unit/%: $(B)/tests/unit/%.o $(FS_A) $(TOOLS_A) $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(FUSE_LIBS) $(MHD_LIBS) \
		$(PROG_LIBS) -ldl

$(B)/helpers/%: $(B)/tests/helpers/%.o $(TOOLS_A) $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(PROG_LIBS)

$(B)/bench/%: $(B)/tests/bench/%.o $(FS_A) $(TOOLS_A) $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(FUSE_LIBS) $(PROG_LIBS)

# libFuzzer targets are built with clang, with every library source
# instrumented (fuzzer-no-link), so that the fuzzer sees all the code a
# target reaches; each source is compiled once for all the targets.
FUZZ_FLAGS = -g -O1 -fsanitize=address,undefined $(CPPFLAGS) $(FUSE_CFLAGS)
FUZZ_OBJS = $(patsubst %.c,$(B)/fuzzobj/%.o,$(LIB_SRCS) $(FS_LIB_SRCS) \
	    $(TOOL_LIB_SRCS))
$(FUZZ_OBJS): $(B)/fuzzobj/%.o: %.c
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<
$(B)/fuzz/%: tests/fuzz/%.c $(FUZZ_OBJS)
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_FLAGS) -fsanitize=fuzzer -MMD -MP -o $@ $< \
		$(FUZZ_OBJS) $(FUSE_LIBS) $(MHD_LIBS) $(BSD_LIBS) $(SYS_LIBS)

# Tests run one at a time (some time things, some mount), but what they
# need is built with every CPU first, however make itself was started.
NPROC := $(shell nproc 2>/dev/null || echo 1)

check:
	$(MAKE) -j$(NPROC) all $(TEST_BINS) $(BENCH_BINS) $(FUZZ_BINS)
	tests/run.sh $(B) unit integration fuzz
	$(MAKE) check-asan

check-unit: all $(TEST_BINS)
	tests/run.sh $(B) unit

check-integration: all $(TEST_BINS)
	tests/run.sh $(B) integration

check-fuzz: $(FUZZ_BINS)
	tests/run.sh $(B) fuzz

# Build the Debian packages, install them here, check them, remove them
# (root; see packaging/README.md).
check-packaging:
	packaging/test/check-packages.sh

check-asan:
	$(MAKE) -j$(NPROC) B=$(B)/asan SAN=1 all \
		$(patsubst $(B)/%,$(B)/asan/%,$(TEST_BINS))
	tests/run.sh $(B)/asan unit integration

fuzz: $(FUZZ_BINS)
	FUZZ_SECONDS=$${FUZZ_SECONDS:-300} tests/run.sh $(B) fuzz

stress: all $(TEST_BINS) $(FUZZ_BINS)
	MMSTATS_STRESS=1 tests/run.sh $(B) unit integration

bench: all $(BENCH_BINS)
	tests/bench/run.sh $(B)

INST	= DESTDIR=$(call shq,$(DESTDIR)) MANIFEST=$(call shq,$(MANIFEST)) \
	packaging/inst.sh
INSTALL_MK = $(MAKE) -f packaging/install.mk PREFIX=$(call shq,$(PREFIX)) \
	BINDIR=$(call shq,$(BINDIR)) MANDIR=$(call shq,$(MANDIR)) \
	UNITDIR=$(call shq,$(UNITDIR)) \
	MOUNTHELPERDIR=$(call shq,$(MOUNTHELPERDIR)) \
	MANIFEST=$(call shq,$(MANIFEST)) DESTDIR=$(call shq,$(DESTDIR)) \
	B=$(call shq,$(B))

# Every file through packaging/inst.sh, which records it in MANIFEST.
install: all
	$(INST) file 644 $(LIB_A) $(LIBDIR)/libmmstats.a
	$(INST) file 755 $(LIB_SO) $(LIBDIR)/$(notdir $(LIB_SO))
	$(INST) link $(notdir $(LIB_SO)) $(LIBDIR)/libmmstats.so.$(SOVERSION)
	$(INST) link $(notdir $(LIB_SO)) $(LIBDIR)/libmmstats.so
	$(INST) file 644 lib/mmstats.h $(INCDIR)/mmstats.h
# Not $(B)/mmstats.pc: that build may have been made for another PREFIX.
	@mkdir -p $(B)/install-gen
	$(PC_SUBST) lib/mmstats.pc.in > $(B)/install-gen/mmstats.pc
	$(INST) file 644 $(B)/install-gen/mmstats.pc $(LIBDIR)/pkgconfig/mmstats.pc
	for p in $(TOOLS) mmstatsfs; do \
		$(INST) file 755 $(B)/$$p $(BINDIR)/$$p || exit 1; \
	done
	for m in $(wildcard tools/*.1); do \
		$(INST) file 644 $$m $(MANDIR)/man1/$${m##*/} || exit 1; \
	done
	$(INST) file 644 lib/mmstats.3 $(MANDIR)/man3/mmstats.3
	$(INST) file 644 lib/mmstats.5 $(MANDIR)/man5/mmstats.5
	$(INST) file 644 fs/mmstatsfs.8 $(MANDIR)/man8/mmstatsfs.8
	$(INSTALL_MK) install

uninstall:
	$(INST) uninstall
	$(INSTALL_MK) refresh

clean:
	rm -rf build $(B)

-include $(shell find $(B) -name '*.d' 2>/dev/null)
