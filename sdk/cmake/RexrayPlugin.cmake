# rexray_add_plugin(<name> SOURCES ... [LIBRARIES ...] [STATIC_RUNTIME]
#                   [DESCRIPTION "one line for its package"])
#
# Builds librexray-<name>.so the way the host expects a plugin to be built,
# in the rexray tree and out of it (installed with the SDK):
#  - hidden visibility and the SDK's version script: rxr_plugin_entry_v1 is
#    the only exported symbol;
#  - -Wl,--no-undefined always: a missing symbol fails the link, not the
#    daemon (the host binds plugins with RTLD_NOW and refuses them anyway);
#  - the C++ runtime: shared by default. A plugin that uses a shared C++
#    library (Poco, Boost, ...) must link the shared runtime: that library's
#    exceptions unwind through the plugin's frames, and a static unwinder
#    meeting libgcc_s's aborts the process. STATIC_RUNTIME is for a
#    self-contained plugin that wants no dependency on the host's libstdc++.
# The module is written to REXRAY_PLUGIN_OUTPUT_DIR when set (the rexray
# tree), else the current binary dir, and installed to
# <prefix>/lib/rexray/plugins (REXRAY_PLUGIN_INSTALL_DIR), where rexray looks
# for plugins, as the install component rexray-plugin-<name>: the rexray tree
# packages each such component as its own Debian package (the
# REXRAY_PLUGIN_COMPONENTS global property lists them).
#
# Not the multiarch libdir: plugins are rexray's private modules, not
# libraries anyone links, and one directory relative to the prefix is the
# same in a build tree, a /usr/local install and a Debian package, so the
# binary finds them beside itself (bin/../lib/rexray/plugins) wherever the
# tree was installed or unpacked.
set(REXRAY_PLUGIN_INSTALL_DIR lib/rexray/plugins CACHE INTERNAL "where plugins install, below the prefix")
function(rexray_add_plugin name)
  cmake_parse_arguments(ARG "STATIC_RUNTIME" "DESCRIPTION" "SOURCES;LIBRARIES" ${ARGN})
  include(GNUInstallDirs)
  set(target rexray_plugin_${name})
  add_library(${target} MODULE ${ARG_SOURCES})
  set(output_dir ${CMAKE_CURRENT_BINARY_DIR})
  if(REXRAY_PLUGIN_OUTPUT_DIR)
    set(output_dir ${REXRAY_PLUGIN_OUTPUT_DIR})
  endif()
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME rexray-${name}
    PREFIX lib
    LIBRARY_OUTPUT_DIRECTORY ${output_dir}
    CXX_STANDARD 17
    CXX_STANDARD_REQUIRED ON
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_link_libraries(${target} PRIVATE rexray::sdk ${ARG_LIBRARIES})
  target_link_options(${target} PRIVATE -Wl,--version-script=${REXRAY_SDK_VERSION_SCRIPT})
  # Sanitizer runtimes are resolved from the executable, so --no-undefined
  # cannot hold in a sanitizer build.
  if(NOT REXRAY_SANITIZE)
    target_link_options(${target} PRIVATE -Wl,--exclude-libs,ALL -Wl,--no-undefined)
    if(ARG_STATIC_RUNTIME)
      target_link_options(${target} PRIVATE -static-libstdc++ -static-libgcc)
    endif()
  endif()
  if(COMMAND rexray_warnings)
    rexray_warnings(${target})
  endif()
  set(component rexray-plugin-${name})
  install(TARGETS ${target} LIBRARY DESTINATION ${REXRAY_PLUGIN_INSTALL_DIR} COMPONENT ${component})
  set_property(GLOBAL APPEND PROPERTY REXRAY_PLUGIN_COMPONENTS ${component})
  if(ARG_DESCRIPTION)
    set_property(GLOBAL PROPERTY REXRAY_PLUGIN_DESCRIPTION_${name} "${ARG_DESCRIPTION}")
  endif()
endfunction()
