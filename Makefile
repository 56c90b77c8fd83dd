# SPDX-License-Identifier: GPL-2.0
#
# Out-of-tree build into build/. `make V=1` shows full commands.
#   make            gilprof, its sanitizer twin, workloads, test programs
#   make deps       install missing Debian packages (no-op when all are there)
#   make run        deps + build + the tour of five GIL experiments under tracing (root)
#   make test       deps + build + unit tests (sanitizers) + end-to-end tests (root, real BPF)
#   make bench      overhead and rendering benchmarks, then the monitor's soak (bench-soak)
#   make fuzz       the recording reader under libFuzzer (FUZZ_RUNS=N or FUZZ_SECONDS=S)
#   make install    gilprof, its workloads, man page, completion, docs under DESTDIR/PREFIX
#   make uninstall  what make install put there
#   make deb        a Debian package, build/deb/gilprof_VERSION_ARCH.deb (dpkg-buildpackage)
#
# CFLAGS, CPPFLAGS and LDFLAGS from the environment or the command line (as distributions pass
# them) are used for every program built with CC; gilprof's own flags are added to them.

OUT := build
CLANG ?= clang
CC ?= gcc
BPFTOOL ?= $(shell command -v bpftool 2>/dev/null || echo /usr/sbin/bpftool)
ARCH := $(shell uname -m | sed 's/x86_64/x86/; s/aarch64/arm64/')

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# Where make install puts things; the installed gilprof looks for its workloads in LIBEXECDIR,
# compiled in. DESTDIR only stages: it is not compiled in.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/libexec/gilprof
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/gilprof
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
INSTALL ?= install
# gilprof runs as root and executes what it finds there: a relative path would depend on the
# directory it was started from.
ifneq ($(patsubst /%,/,$(LIBEXECDIR)),/)
$(error LIBEXECDIR must be an absolute path, not '$(LIBEXECDIR)' (PREFIX=$(PREFIX)))
endif

# The caller's flags first, then gilprof's: what it needs (C dialect, warnings as errors, frame
# pointers for the stacks of the workloads and tests, dependency files) holds whatever comes
# before. The defaults apply only when the caller gives none.
CFLAGS ?= -g -O2
CPPFLAGS ?=
LDFLAGS ?=
WARN := -Wall -Wextra -Werror
GP_CFLAGS = $(CFLAGS) -std=gnu11 $(WARN) -fno-omit-frame-pointer -MMD -MP
GP_INC := -I$(OUT) -Ibpf -Iuserspace -Iworkloads -Itests -D_GNU_SOURCE
GP_CPPFLAGS = $(GP_INC) $(CPPFLAGS)
LDLIBS := -lbpf -lelf -ldw -lz -lpthread -lm
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined

# Programs are rebuilt when the flags or the compiled-in paths change, not only their sources:
# each is kept in a file that is rewritten only when it differs (as the kernel's build does).
gp_stamp = $(shell mkdir -p $(OUT) && printf '%s\n' '$(subst ','\'',$(2))' | cmp -s - $(1) || \
	printf '%s\n' '$(subst ','\'',$(2))' > $(1))
gp_hash := \#
ifeq ($(filter clean format check-format,$(MAKECMDGOALS)),)
$(call gp_stamp,$(OUT)/flags,$(CC) $(GP_CFLAGS) $(GP_CPPFLAGS) $(LDFLAGS) $(SANFLAGS))
$(call gp_stamp,$(OUT)/gp_paths.h,$(gp_hash)define GP_LIBEXECDIR "$(LIBEXECDIR)")
endif

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUT)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS := $(patsubst bpf/%.bpf.c,$(OUT)/%.skel.h,$(BPF_SRCS))

# userspace/<layer>/*.c: the folders are the layers (README.md, 'Source layout').
US_SRCS := $(wildcard userspace/*/*.c)
LIB_SRCS := $(filter-out userspace/cli/main.c,$(US_SRCS))
US_OBJS := $(patsubst userspace/%.c,$(OUT)/obj/%.o,$(US_SRCS))
LIB_OBJS := $(patsubst userspace/%.c,$(OUT)/obj/%.o,$(LIB_SRCS))
SAN_OBJS := $(patsubst userspace/%.c,$(OUT)/san/%.o,$(US_SRCS))
SAN_LIB_OBJS := $(patsubst userspace/%.c,$(OUT)/san/%.o,$(LIB_SRCS))

# Workloads: gil.c and wlcommon.c are the shared library, every other workloads/*.c is a program.
WL_LIB_SRCS := $(wildcard workloads/gil.c workloads/wlcommon.c)
WL_PROG_SRCS := $(filter-out $(WL_LIB_SRCS),$(wildcard workloads/*.c))
WL_LIB_OBJS := $(patsubst workloads/%.c,$(OUT)/wl/%.o,$(WL_LIB_SRCS))
WL_SAN_LIB_OBJS := $(patsubst workloads/%.c,$(OUT)/wlsan/%.o,$(WL_LIB_SRCS))
WL_PROGS := $(patsubst workloads/%.c,$(OUT)/workloads/%,$(WL_PROG_SRCS))

UNIT_SRCS := $(filter-out tests/e2e/%,$(wildcard tests/*/test_*.c))
UNIT_BINS := $(patsubst tests/%.c,$(OUT)/tests/%,$(UNIT_SRCS))
E2E_SRCS := $(wildcard tests/e2e/test_*.c)
E2E_BINS := $(patsubst tests/e2e/%.c,$(OUT)/tests/e2e/%,$(E2E_SRCS))
E2E_PROG_SRCS := $(filter-out $(E2E_SRCS),$(wildcard tests/e2e/*.c))
E2E_PROGS := $(patsubst tests/e2e/%.c,$(OUT)/tests/e2e/%,$(E2E_PROG_SRCS))

# The recording reader's fuzzer (libFuzzer, so clang): every layer below the collector, built
# with coverage and sanitizers into an archive that the harness and the seed writer link from.
FUZZ_CC ?= clang
# clang, unlike gcc, counts a brace with fewer fields than the struct as missing initialisers.
FUZZ_CFLAGS := -std=gnu11 -g -O1 $(WARN) -Wno-missing-field-initializers -fno-omit-frame-pointer \
	-MMD -MP -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_SRCS := $(filter-out userspace/collect/% userspace/cli/%,$(US_SRCS))
FUZZ_OBJS := $(patsubst userspace/%.c,$(OUT)/fuzz/obj/%.o,$(FUZZ_SRCS))
FUZZ_BIN := $(OUT)/fuzz/fuzz_replay
FUZZ_SEEDS := $(OUT)/fuzz/seeds/.made
FUZZ_RUNS ?= 10000000
FUZZ_SECONDS ?=
FUZZ_SMOKE_SECONDS ?= 25

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all programs deps run test unit e2e bench bench-soak clean format check-format fuzz fuzz-smoke \
	install uninstall deb

all: $(OUT)/gilprof $(OUT)/san/gilprof $(WL_PROGS) $(UNIT_BINS) $(E2E_BINS) $(E2E_PROGS) \
	$(FUZZ_BIN) $(FUZZ_SEEDS)

# What make install installs, and nothing else (no tests, no fuzzer).
programs: $(OUT)/gilprof $(WL_PROGS)

deps:
	$(Q)tools/deps.sh

$(OUT)/vmlinux.h:
	$(call msg,BTF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)if [ ! -r /sys/kernel/btf/vmlinux ]; then \
		echo "gilprof: this kernel has no BTF (/sys/kernel/btf/vmlinux): CONFIG_DEBUG_INFO_BTF=y is required" >&2; exit 1; fi
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@

$(OUT)/bpf/%.bpf.o: bpf/%.bpf.c $(OUT)/vmlinux.h $(wildcard bpf/*.h)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -I$(OUT) -Ibpf -Wall -Werror \
		-c $< -o $@

$(OUT)/%.skel.h: $(OUT)/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

# The HTML report's script and style sheet are files of their own, compiled in as C strings.
HTML_ASSETS := userspace/export/html/page.js userspace/export/html/page.css
$(OUT)/html_assets.h: $(HTML_ASSETS) tools/embed.sh
	$(call msg,EMBED,$@)
	$(Q)mkdir -p $(@D)
	$(Q)tools/embed.sh html_page_js userspace/export/html/page.js \
		html_page_css userspace/export/html/page.css > $@
$(OUT)/obj/export/html.o $(OUT)/san/export/html.o $(OUT)/fuzz/obj/export/html.o: \
	$(OUT)/html_assets.h

# Only the collector includes the skeleton; only the workload finder, the installed paths.
$(OUT)/obj/collect/collector.o $(OUT)/san/collect/collector.o: $(SKELS)
$(OUT)/obj/cli/workloads.o $(OUT)/san/cli/workloads.o: $(OUT)/gp_paths.h

$(OUT)/obj/%.o: userspace/%.c $(OUT)/flags
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(GP_CFLAGS) $(GP_CPPFLAGS) -c $< -o $@

$(OUT)/san/%.o: userspace/%.c $(OUT)/flags
	$(call msg,CC-SAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(GP_CFLAGS) -O1 $(SANFLAGS) $(GP_CPPFLAGS) -c $< -o $@

$(OUT)/gilprof: $(US_OBJS) $(OUT)/flags
	$(call msg,LINK,$@)
	$(Q)$(CC) $(GP_CFLAGS) $(LDFLAGS) $(filter %.o,$^) $(LDLIBS) -o $@

$(OUT)/san/gilprof: $(SAN_OBJS) $(OUT)/flags
	$(call msg,LINK,$@)
	$(Q)$(CC) $(GP_CFLAGS) $(SANFLAGS) $(LDFLAGS) $(filter %.o,$^) $(LDLIBS) -o $@

$(OUT)/wl/%.o: workloads/%.c $(OUT)/flags
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(GP_CFLAGS) $(GP_CPPFLAGS) -c $< -o $@

$(OUT)/wlsan/%.o: workloads/%.c $(OUT)/flags
	$(call msg,CC-SAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(GP_CFLAGS) -O1 $(SANFLAGS) $(GP_CPPFLAGS) -c $< -o $@

$(OUT)/workloads/%: $(OUT)/wl/%.o $(WL_LIB_OBJS) $(OUT)/flags
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(GP_CFLAGS) $(LDFLAGS) $(filter %.o,$^) -lpthread -lm -o $@

# Unit tests are built with ASan+UBSan and link the pure userspace code and the GIL library.
$(OUT)/tests/%: tests/%.c $(SAN_LIB_OBJS) $(WL_SAN_LIB_OBJS) $(OUT)/flags
	$(call msg,TEST,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(GP_CFLAGS) -O1 $(SANFLAGS) $(GP_CPPFLAGS) $(LDFLAGS) $(filter %.c %.o,$^) -lcriterion $(TEST_LIBS) $(LDLIBS) -o $@

# The diff writers' tests read the JSON back with json-c, as a user's script would.
$(OUT)/tests/export/test_diff_writers: TEST_LIBS := -ljson-c
$(OUT)/tests/export/test_trace_event $(OUT)/tests/export/test_html: TEST_LIBS := -ljson-c

# The install test runs make in the source tree, wherever the build tree is.
$(OUT)/tests/e2e/test_install: TEST_DEFS := -DGP_SRCDIR='"$(CURDIR)"'

$(OUT)/tests/e2e/test_%: tests/e2e/test_%.c tests/e2e/e2e.h $(OUT)/flags
	$(call msg,TEST,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(GP_CFLAGS) $(GP_CPPFLAGS) $(TEST_DEFS) -Itests/e2e $(LDFLAGS) $< -lcriterion -ljson-c -lm -o $@

# Programs that the end-to-end tests trace: no sanitizer (it would add threads); frame pointers
# on, except in *_nofp programs, which stand for the distribution code that has none.
$(OUT)/tests/e2e/%_nofp: tests/e2e/%_nofp.c $(OUT)/flags
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(filter-out -fno-omit-frame-pointer,$(GP_CFLAGS)) -fomit-frame-pointer $(GP_CPPFLAGS) $(LDFLAGS) $< -lpthread -o $@

$(OUT)/tests/e2e/%: tests/e2e/%.c $(OUT)/flags
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(GP_CFLAGS) $(GP_CPPFLAGS) $(LDFLAGS) $< -lpthread -lm -o $@

# The fuzzer is clang's, with flags of its own: the caller's are for CC.
$(OUT)/fuzz/obj/%.o: userspace/%.c
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(GP_INC) -c $< -o $@

$(OUT)/fuzz/libgilprof.a: $(FUZZ_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

$(OUT)/fuzz/%: tests/fuzz/%.c tests/recsynth.h $(OUT)/fuzz/libgilprof.a
	$(call msg,FUZZ,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(GP_INC) \
		$(if $(filter fuzz_%,$*),-fsanitize=fuzzer,-fsanitize=fuzzer-no-link) \
		$< $(OUT)/fuzz/libgilprof.a $(LDLIBS) -o $@

# The seeds are written by the real recorder at build time: they follow the format.
$(FUZZ_SEEDS): $(OUT)/fuzz/gen_seeds
	$(call msg,SEEDS,$(@D))
	$(Q)rm -rf $(@D) && mkdir -p $(@D)
	$(Q)$(OUT)/fuzz/gen_seeds $(@D)
	$(Q)touch $@

run: deps all
	$(OUT)/gilprof run

unit: $(UNIT_BINS)
	$(Q)tools/run-tests.sh unit $(UNIT_BINS)

e2e: all
	$(Q)tools/run-tests.sh e2e $(E2E_BINS)

test: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tools/check-format.sh
	$(Q)tools/check-layers.sh
	$(Q)tools/fuzz.sh $(FUZZ_BIN) $(OUT)/fuzz/seeds "" $(FUZZ_SMOKE_SECONDS)
	$(Q)tools/run-tests.sh all $(UNIT_BINS) $(E2E_BINS)

# FUZZ_SECONDS, when set, bounds the run by time instead of FUZZ_RUNS; the corpus grows in
# build/fuzz/corpus across runs, and what fails is kept in build/fuzz/artifacts.
fuzz: deps
	$(Q)$(MAKE) --no-print-directory $(FUZZ_BIN) $(FUZZ_SEEDS)
	$(Q)tools/fuzz.sh $(FUZZ_BIN) $(OUT)/fuzz/seeds $(OUT)/fuzz/corpus "$(FUZZ_SECONDS)" \
		$(FUZZ_RUNS)

fuzz-smoke: $(FUZZ_BIN) $(FUZZ_SEEDS)
	$(Q)tools/fuzz.sh $(FUZZ_BIN) $(OUT)/fuzz/seeds "" $(FUZZ_SMOKE_SECONDS)

bench: deps all $(OUT)/tools/floor
	$(Q)tools/bench.sh

# gilprof monitor for SOAK_SECONDS (600) on churning processes: memory, CPU, drops
bench-soak: deps all
	$(Q)tools/bench-soak.sh

# The hooks' cost floor for make bench: the same tracepoints, empty or with one part of the work.
$(OUT)/tools/floor.bpf.o: tools/floor/floor.bpf.c bpf/gilprof.h $(OUT)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -I$(OUT) -Ibpf -Wall -Werror -c $< -o $@

$(OUT)/tools/floor.skel.h: $(OUT)/tools/floor.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name floor_bpf > $@

$(OUT)/tools/floor: tools/floor/floor.c bpf/gilprof.h $(OUT)/tools/floor.skel.h $(OUT)/flags
	$(call msg,CC,$@)
	$(Q)$(CC) $(GP_CFLAGS) -I$(OUT)/tools -Ibpf $(LDFLAGS) $< -lbpf -lelf -lz -o $@

# DESTDIR stages a tree for a package; the paths compiled into gilprof are without it.
WL_NAMES := $(notdir $(WL_PROGS))
SCHEMAS := $(wildcard doc/*.schema.json)

install: programs
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(DOCDIR)
	$(Q)$(INSTALL) -m 0755 $(OUT)/gilprof $(DESTDIR)$(BINDIR)/gilprof
	$(Q)$(INSTALL) -m 0755 $(WL_PROGS) $(DESTDIR)$(LIBEXECDIR)/
	$(Q)sed -e 's|/usr/local/libexec/gilprof|$(LIBEXECDIR)|g' \
		-e 's|/usr/local/share/doc/gilprof|$(DOCDIR)|g' doc/gilprof.1 > $(OUT)/gilprof.1
	$(Q)$(INSTALL) -m 0644 $(OUT)/gilprof.1 $(DESTDIR)$(MANDIR)/man1/gilprof.1
	$(Q)$(INSTALL) -m 0644 doc/gilprof.bash $(DESTDIR)$(BASHCOMPDIR)/gilprof
	$(Q)$(INSTALL) -m 0644 README.md $(SCHEMAS) $(DESTDIR)$(DOCDIR)/

# Schemas by pattern: one that a later version no longer has is removed too.
uninstall:
	$(call msg,UNINSTALL,$(DESTDIR)$(PREFIX))
	$(Q)rm -f $(DESTDIR)$(BINDIR)/gilprof $(addprefix $(DESTDIR)$(LIBEXECDIR)/,$(WL_NAMES)) \
		$(DESTDIR)$(MANDIR)/man1/gilprof.1 $(DESTDIR)$(BASHCOMPDIR)/gilprof \
		$(DESTDIR)$(DOCDIR)/README.md $(DESTDIR)$(DOCDIR)/*.schema.json
	$(Q)rmdir $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(DOCDIR) 2>/dev/null || true

# dpkg-buildpackage writes beside the source tree, so it builds a copy inside build/deb/. The
# package's version (debian/changelog) must be gilprof's own.
GP_VERSION := $(shell sed -n 's/^\#define GP_VERSION "\(.*\)"/\1/p' userspace/util/version.h)
DEB_SRC := $(OUT)/deb/gilprof-$(GP_VERSION)

deb:
	$(Q)command -v dh >/dev/null && command -v lintian >/dev/null || { \
		echo "make deb: needs debhelper and lintian: sudo apt-get install debhelper lintian" >&2; \
		exit 1; }
	$(Q)v=$$(dpkg-parsechangelog -S Version); [ "$$v" = "$(GP_VERSION)" ] || { \
		echo "make deb: debian/changelog says $$v, userspace/util/version.h $(GP_VERSION)" >&2; \
		exit 1; }
	$(Q)rm -rf $(OUT)/deb && mkdir -p $(DEB_SRC)
	$(Q)tar -c --exclude=./$(OUT) --exclude=./.git . | tar -x -C $(DEB_SRC)
	$(Q)cd $(DEB_SRC) && dpkg-buildpackage -us -uc -b
	$(Q)lintian --info $(OUT)/deb/gilprof_$(GP_VERSION)_*.changes
	$(Q)ls $(OUT)/deb/*.deb

format:
	clang-format -i $(wildcard bpf/*.[ch] userspace/*/*.[ch] workloads/*.[ch] tests/*.h tests/*/*.[ch] tools/*.c tools/*/*.c)

check-format:
	$(Q)tools/check-format.sh
	$(Q)tools/check-layers.sh

clean:
	rm -rf $(OUT)

-include $(wildcard $(OUT)/obj/*/*.d $(OUT)/san/*/*.d $(OUT)/wl/*.d $(OUT)/wlsan/*.d \
	$(OUT)/tests/*/*.d $(OUT)/fuzz/obj/*/*.d $(OUT)/fuzz/*.d)
