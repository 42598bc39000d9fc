# packaging/dirs.mk - refuse, before anything is built or installed, a
# directory of `make install` that would not come out as given.
#
# Each directory is written into files that quote in ways of their own:
# the recipes (shell), sed substitutions (| and & are special), systemd
# units (spaces, quotes, % and $), the mount helper's PATH (:), the
# pkg-config file (spaces) and the install manifest (TAB separated).
# Rather than quote for each of them, and test each, a directory may
# hold only the characters that none of them treats specially, and must
# be absolute (or empty, where that leaves a part out): a relative one
# would be relative to wherever each reader runs, and a leading - or @
# is an option to mkdir and a prefix to systemd's ExecStart=.  `~` is
# refused too: the shell would expand it in the recipes, the units not.
# FUSERMOUNT goes into the same substitutions.  DESTDIR is only ever
# passed to the shell, quoted by shq, so it may hold anything but `$`
# (make expands it, once here and once more in install.mk) and a
# leading `-` (an option to mkdir and install).

# $(1) as one shell word, whatever it holds.
shq = '$(subst ','\'',$(1))'

DIRS_SAFE := a b c d e f g h i j k l m n o p q r s t u v w x y z \
	A B C D E F G H I J K L M N O P Q R S T U V W X Y Z \
	0 1 2 3 4 5 6 7 8 9 / . _ - + @
INSTALL_DIR_VARS := PREFIX BINDIR LIBDIR INCDIR MANDIR UNITDIR \
	MOUNTHELPERDIR MANIFEST FUSERMOUNT

# $(1) without the characters of the list $(2).
dirs_strip = $(if $(2),$(call dirs_strip,$(subst $(firstword $(2)),,$(1)),$(wordlist 2,$(words $(2)),$(2))),$(1))

# Empty if variable $(1) is safe, else why not.
dirs_bad = $(if $(filter-out 0 1,$(words $($(1)))),cannot hold white space,$(if $(call dirs_strip,$($(1)),$(DIRS_SAFE)),cannot hold $(call dirs_strip,$($(1)),$(DIRS_SAFE)),$(if $($(1)),$(if $(filter /%,$($(1))),,cannot be relative))))

dirs_check = $(foreach v,$(INSTALL_DIR_VARS),$(if $(call dirs_bad,$(v)),$(error $(v)=$($(v)): $(call dirs_bad,$(v)): install directories must be absolute and may hold only letters, digits and / . _ - + @)))

# $(value): what was given, before make expanded a `$` in it.
destdir_bad = $(if $(findstring $$,$(value DESTDIR)),cannot hold $$,$(if $(filter -%,$(DESTDIR)),cannot begin with -))
destdir_check = $(if $(destdir_bad),$(error DESTDIR=$(value DESTDIR): $(destdir_bad)))

ifneq ($(filter install uninstall install-units install-helper,$(MAKECMDGOALS)),)
$(call dirs_check)
$(call destdir_check)
endif
