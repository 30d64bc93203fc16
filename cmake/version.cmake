# Writes OUT (core/version.hpp) from SRC/src/core/version.hpp.in with the current git commit; run at every build,
# and the file is only rewritten when its content changes, so provenance always names the commit that was built.
# Without git (a container build from a copy of the sources), the environment's PRECIS_GIT_COMMIT names it.
execute_process(COMMAND git rev-parse --short=12 HEAD WORKING_DIRECTORY ${SRC}
                OUTPUT_VARIABLE PRECIS_GIT_COMMIT OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT PRECIS_GIT_COMMIT)
  if(DEFINED ENV{PRECIS_GIT_COMMIT} AND "$ENV{PRECIS_GIT_COMMIT}" MATCHES "^[0-9a-f]+(-dirty)?$")
    set(PRECIS_GIT_COMMIT "$ENV{PRECIS_GIT_COMMIT}")
  else()
    set(PRECIS_GIT_COMMIT "unknown")
  endif()
else()
  execute_process(COMMAND git status --porcelain --untracked-files=no WORKING_DIRECTORY ${SRC}
                  OUTPUT_VARIABLE dirty OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(dirty)
    string(APPEND PRECIS_GIT_COMMIT "-dirty")
  endif()
endif()
set(PROJECT_VERSION ${VERSION})
configure_file(${SRC}/src/core/version.hpp.in ${OUT} @ONLY)
