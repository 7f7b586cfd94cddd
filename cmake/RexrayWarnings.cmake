# Strict warnings for our own targets only; third-party headers are SYSTEM.
function(rexray_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
  # GCC 12 reports -Wdangling-pointer false positives inside yaml-cpp's
  # node/impl.h when its templates are instantiated in our files.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_GREATER_EQUAL 12)
    target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-Wno-dangling-pointer>)
  endif()
endfunction()
