# REXRAY_SANITIZE=address,undefined builds everything with those sanitizers.
if(REXRAY_SANITIZE)
  set(_flags -fsanitize=${REXRAY_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_compile_options(${_flags})
  add_link_options(${_flags})
endif()
