# Debian packages with CPack (`make package`): `rexray` (the binary with the
# embedded vfs driver, /etc/rexray/config.yml as a conffile, the systemd
# units, and whatever else is installed as COMPONENT rexray: the man page and
# shell completions), `rexray-sdk` (COMPONENT rexray-sdk), and one
# `rexray-plugin-<name>` per plugin, whose component rexray_add_plugin()
# declares, so a new driver needs no line here.
#
# A plugin package depends on `rexray-abi-<major>`, which the `rexray`
# package provides: a rexray speaking another ABI major refuses the plugin,
# so dpkg refuses the pair first. Library dependencies come from
# dpkg-shlibdeps.
#
# Reproducible: configured with SOURCE_DATE_EPOCH (the commit's time, which
# also dates the build in `rexray version`) and REXRAY_REPRODUCIBLE=ON (no
# build path in any file); packaging/reproducible-deb.sh then rewrites each
# archive's member times and order, which CPack 3.25 takes from the clock.
# `make package-check` builds twice and compares.
include_guard(GLOBAL)

get_property(REXRAY_PLUGIN_COMPONENTS GLOBAL PROPERTY REXRAY_PLUGIN_COMPONENTS)

set(CPACK_PACKAGE_NAME rexray)
set(CPACK_PACKAGE_VENDOR "REX-Ray")
set(CPACK_PACKAGE_CONTACT "REX-Ray maintainers <rexray@localhost>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
# No CPACK_PACKAGE_DESCRIPTION_SUMMARY: CPack would put it before every
# package's own description, whose first line is its synopsis.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/packages)
# Installed as on the target (DESTDIR, prefix /usr), so that install-time
# code sees the real prefix (packaging/CMakeLists.txt).
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL rexray rexray-sdk ${REXRAY_PLUGIN_COMPONENTS})
set(CPACK_COMPONENTS_GROUPING IGNORE)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # name_version-release_arch.deb
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS OFF)

set(_abi rexray-abi-${REXRAY_ABI_MAJOR})

set(CPACK_DEBIAN_REXRAY_PACKAGE_NAME rexray)
set(CPACK_DEBIAN_REXRAY_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_REXRAY_PACKAGE_PROVIDES ${_abi})
# The tools the mount pipeline runs (mkfs.ext4), and /bin/kill, which the
# service's ExecReload runs.
set(CPACK_DEBIAN_REXRAY_PACKAGE_DEPENDS "e2fsprogs, procps")
set(CPACK_DEBIAN_REXRAY_PACKAGE_RECOMMENDS "xfsprogs")
set(CPACK_DEBIAN_REXRAY_DESCRIPTION
    "storage orchestrator for containers\nREX-Ray creates, attaches, formats and mounts volumes for Docker\n(volume plugin protocol) and its own CLI. The vfs driver (sparse files\non loop devices) is built in; other drivers come as rexray-plugin-* packages.")
set(CPACK_DEBIAN_REXRAY_PACKAGE_CONTROL_EXTRA
    ${CMAKE_SOURCE_DIR}/packaging/debian/conffiles ${CMAKE_SOURCE_DIR}/packaging/debian/postinst
    ${CMAKE_SOURCE_DIR}/packaging/debian/prerm ${CMAKE_SOURCE_DIR}/packaging/debian/postrm)
set(CPACK_DEBIAN_REXRAY_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_REXRAY-SDK_PACKAGE_NAME rexray-sdk)
set(CPACK_DEBIAN_REXRAY-SDK_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_REXRAY-SDK_PACKAGE_SUGGESTS "cmake, pkg-config, libpoco-dev")
set(CPACK_DEBIAN_REXRAY-SDK_DESCRIPTION
    "SDK for rexray storage driver plugins\nThe C ABI and C++ helper headers, a CMake package with rexray_add_plugin(),\na pkg-config file, the plugins' support library and an example plugin.")

foreach(_component IN LISTS REXRAY_PLUGIN_COMPONENTS)
  string(TOUPPER ${_component} _upper)
  string(REPLACE "rexray-plugin-" "" _plugin ${_component})
  get_property(_description GLOBAL PROPERTY REXRAY_PLUGIN_DESCRIPTION_${_plugin})
  if(NOT _description)
    set(_description "the ${_plugin} storage driver")
  endif()
  set(CPACK_DEBIAN_${_upper}_PACKAGE_NAME ${_component})
  set(CPACK_DEBIAN_${_upper}_PACKAGE_DEPENDS ${_abi})
  set(CPACK_DEBIAN_${_upper}_DESCRIPTION
      "REX-Ray plugin: ${_description}\nLoaded by rexray from /usr/lib/rexray/plugins; configure it in\n/etc/rexray/config.yml (rexray plugins inspect shows its keys).")
endforeach()

include(CPack)
