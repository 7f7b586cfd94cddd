# rexray_add_plugin(<name> SOURCES ... [LIBRARIES ...] [SHARED_RUNTIME])
# Builds librexray-<name>.so into lib/rexray/plugins: hidden visibility, the
# SDK's version script (only rxr_plugin_entry_v1 exported), no undefined
# symbols. By default the plugin carries a static libstdc++/libgcc so it does
# not depend on the host's C++ runtime. SHARED_RUNTIME is for plugins that use
# a shared C++ library (Poco): its exceptions unwind through the plugin's
# frames, and a static unwinder meeting libgcc_s's aborts the process.
function(rexray_add_plugin name)
  cmake_parse_arguments(ARG "SHARED_RUNTIME" "" "SOURCES;LIBRARIES" ${ARGN})
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
  target_link_options(${target} PRIVATE -Wl,--version-script=${REXRAY_SDK_VERSION_SCRIPT})
  if(NOT REXRAY_SANITIZE)
    target_link_options(${target} PRIVATE -Wl,--exclude-libs,ALL -Wl,--no-undefined)
    if(NOT ARG_SHARED_RUNTIME)
      target_link_options(${target} PRIVATE -static-libstdc++ -static-libgcc)
    endif()
  endif()
  rexray_warnings(${target})
  install(TARGETS ${target} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/rexray/plugins)
endfunction()
