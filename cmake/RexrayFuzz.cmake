# REXRAY_FUZZ=ON (clang only) builds every target with libFuzzer's coverage
# instrumentation plus AddressSanitizer and UBSan, so that the fuzzers in
# fuzz/ are guided by the code under test (core, the plugins' parsers), not
# only by their own few lines. The fuzzer executables add libFuzzer's main.
if(NOT REXRAY_FUZZ)
  return()
endif()
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "REXRAY_FUZZ needs clang (configure with -DCMAKE_CXX_COMPILER=clang++ "
                      "-DCMAKE_C_COMPILER=clang); ${CMAKE_CXX_COMPILER_ID} has no libFuzzer")
endif()
set(_fuzz_sanitizers address,undefined)
add_compile_options(-fsanitize=fuzzer-no-link,${_fuzz_sanitizers} -fno-omit-frame-pointer
                    -fno-sanitize-recover=all)
add_link_options(-fsanitize=${_fuzz_sanitizers} -fno-sanitize-recover=all)
