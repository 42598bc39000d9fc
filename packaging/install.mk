# packaging/install.mk - the part of `make install` and `make uninstall`
# that is about the system rather than the build: the systemd unit and the
# mount(8) helpers.  The top Makefile runs it with its own variables on the
# command line, so the defaults below must match its defaults.
#
# Set UNITDIR= or MOUNTHELPERDIR= empty to install without that part (an
# install as a user into $HOME cannot write /lib or /sbin).

PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
MANDIR	?= $(PREFIX)/share/man
UNITDIR	?= /lib/systemd/system
# mount(8) looks for mount.TYPE in /sbin only, whatever the prefix.
MOUNTHELPERDIR ?= /sbin
FUSERMOUNT ?= /bin/fusermount3
DESTDIR	?=

UNIT	= $(DESTDIR)$(UNITDIR)/mmstatsfs.service
HELPER	= $(DESTDIR)$(MOUNTHELPERDIR)/mount.mmstatsfs
HELPER_FUSE = $(DESTDIR)$(MOUNTHELPERDIR)/mount.fuse.mmstatsfs
HELPER_MAN = $(DESTDIR)$(MANDIR)/man8/mount.mmstatsfs.8
HELPER_FUSE_MAN = $(DESTDIR)$(MANDIR)/man8/mount.fuse.mmstatsfs.8

SUBST	= sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@FUSERMOUNT@|$(FUSERMOUNT)|g'

# Installing into the running system: make the dynamic linker and systemd
# see what changed.
define refresh
	if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then \
		ldconfig; \
		if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi; \
	fi
endef

.PHONY: install uninstall install-unit install-helper

install: $(if $(UNITDIR),install-unit) $(if $(MOUNTHELPERDIR),install-helper)
	@$(refresh)

install-unit:
	install -d $(DESTDIR)$(UNITDIR)
	$(SUBST) packaging/systemd/mmstatsfs.service.in > $(UNIT).tmp
	chmod 644 $(UNIT).tmp
	mv -f $(UNIT).tmp $(UNIT)

# mount.fuse.mmstatsfs serves fstab type fuse.mmstatsfs (mount(8) tries it
# before the generic mount.fuse); mount.mmstatsfs serves type mmstatsfs.
install-helper:
	install -d $(DESTDIR)$(MOUNTHELPERDIR) $(DESTDIR)$(MANDIR)/man8
	$(SUBST) packaging/mount.mmstatsfs.in > $(HELPER).tmp
	chmod 755 $(HELPER).tmp
	mv -f $(HELPER).tmp $(HELPER)
	ln -sf mount.mmstatsfs $(HELPER_FUSE)
	install -m 644 packaging/mount.mmstatsfs.8 $(HELPER_MAN)
	ln -sf mount.mmstatsfs.8 $(HELPER_FUSE_MAN)

uninstall:
	rm -f $(if $(UNITDIR),$(UNIT)) \
		$(if $(MOUNTHELPERDIR),$(HELPER) $(HELPER_FUSE) \
			$(HELPER_MAN) $(HELPER_FUSE_MAN))
	@$(refresh)
