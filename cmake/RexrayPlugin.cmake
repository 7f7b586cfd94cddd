# rexray_add_plugin(<name> SOURCES ... [LIBRARIES ...])
# Builds librexray-<name>.so into lib/rexray/plugins: hidden visibility, the
# SDK's version script (only rxr_plugin_entry_v1 exported), a static libstdc++
# so a plugin does not depend on the host's C++ runtime.
function(rexray_add_plugin name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBRARIES" ${ARGN})
  set(target rexray_plugin_${name})
  add_library(${target} MODULE ${ARG_SOURCES})
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME rexray-${name}
    PREFIX lib
    LIBRARY_OUTPUT_DIRECTORY ${REXRAY_PLUGIN_OUTPUT_DIR}
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_link_libraries(${target} PRIVATE rexray::sdk ${ARG_LIBRARIES})
  if(NOT REXRAY_SANITIZE)
    target_link_options(${target} PRIVATE
      -Wl,--version-script=${REXRAY_SDK_VERSION_SCRIPT} -static-libstdc++ -static-libgcc
      -Wl,--exclude-libs,ALL -Wl,--no-undefined)
  else()
    target_link_options(${target} PRIVATE -Wl,--version-script=${REXRAY_SDK_VERSION_SCRIPT})
  endif()
  rexray_warnings(${target})
  install(TARGETS ${target} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/rexray/plugins)
endfunction()
