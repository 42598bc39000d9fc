# packaging/install.mk - the part of `make install` and `make uninstall`
# that is about the system rather than the build: the systemd units and
# the mount(8) helpers.  The top Makefile runs it with every variable
# below on the command line; the defaults are for running it alone.
#
# Everything goes under PREFIX unless told otherwise:
#   UNITDIR         $(PREFIX)/lib/systemd/system (systemd reads
#                   /usr/local/lib/systemd/system too); empty: no units
#   MOUNTHELPERDIR  $(PREFIX)/sbin; mount(8) looks for mount.TYPE in /sbin
#                   only, so give MOUNTHELPERDIR=/sbin for `mount -t
#                   mmstatsfs` and fstab lines; empty: no helpers
# Each file is installed and recorded by packaging/inst.sh in MANIFEST,
# which is what `make uninstall` removes (see packaging/README.md).

PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
MANDIR	?= $(PREFIX)/share/man
UNITDIR	?= $(PREFIX)/lib/systemd/system
MOUNTHELPERDIR ?= $(PREFIX)/sbin
MANIFEST ?= $(PREFIX)/share/mmstats/install-manifest
FUSERMOUNT ?= /bin/fusermount3
DESTDIR	?=
B	?= build
include packaging/dirs.mk

INST	= DESTDIR=$(call shq,$(DESTDIR)) MANIFEST=$(call shq,$(MANIFEST)) \
	packaging/inst.sh
GEN	= $(B)/install-gen
SUBST	= sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@FUSERMOUNT@|$(FUSERMOUNT)|g'
UNITS	= mmstatsfs.service mmstats-clean.service mmstats-clean.timer

# Installing into the running system: make the dynamic linker and systemd
# see what changed.
define refresh
	if [ -z $(call shq,$(DESTDIR)) ] && [ "$$(id -u)" = 0 ]; then \
		ldconfig; \
		if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi; \
	fi
endef

.PHONY: install refresh install-units install-helper

install: $(if $(UNITDIR),install-units) $(if $(MOUNTHELPERDIR),install-helper)
	@$(refresh)

refresh:
	@$(refresh)

# Never enabled here: `systemctl enable --now mmstatsfs` or
# `systemctl enable --now mmstats-clean.timer` asks for them.
install-units:
	@mkdir -p $(GEN)
	$(SUBST) packaging/systemd/mmstatsfs.service.in > $(GEN)/mmstatsfs.service
	$(SUBST) packaging/systemd/mmstats-clean.service.in > $(GEN)/mmstats-clean.service
	cp packaging/systemd/mmstats-clean.timer $(GEN)/mmstats-clean.timer
	for u in $(UNITS); do \
		$(INST) file 644 $(GEN)/$$u $(UNITDIR)/$$u || exit 1; \
	done

# mount.fuse.mmstatsfs serves fstab type fuse.mmstatsfs (mount(8) tries it
# before the generic mount.fuse); mount.mmstatsfs serves type mmstatsfs.
install-helper:
	@mkdir -p $(GEN)
	$(SUBST) packaging/mount.mmstatsfs.in > $(GEN)/mount.mmstatsfs
	$(INST) file 755 $(GEN)/mount.mmstatsfs $(MOUNTHELPERDIR)/mount.mmstatsfs
	$(INST) link mount.mmstatsfs $(MOUNTHELPERDIR)/mount.fuse.mmstatsfs
	$(INST) file 644 packaging/mount.mmstatsfs.8 $(MANDIR)/man8/mount.mmstatsfs.8
	$(INST) link mount.mmstatsfs.8 $(MANDIR)/man8/mount.fuse.mmstatsfs.8
