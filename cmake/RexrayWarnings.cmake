# Strict warnings for our own targets only; third-party headers are SYSTEM.
function(rexray_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
endfunction()
