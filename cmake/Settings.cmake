# Interface targets carrying project-wide settings; first-party targets link them PRIVATE.
add_library(errkb_settings INTERFACE)
target_include_directories(errkb_settings INTERFACE ${PROJECT_SOURCE_DIR})

add_library(errkb_warnings INTERFACE)
target_compile_options(errkb_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
  -Wnon-virtual-dtor -Wcast-align -Wunused -Woverloaded-virtual -Wnull-dereference)
# GCC 12 reports false positives at -O2: -Wrestrict inside std::string (GCC bug 105329)
# and -Wdangling-pointer inside yaml-cpp 0.7 node templates.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(errkb_warnings INTERFACE -Wno-restrict -Wno-dangling-pointer)
endif()
if(ERRKB_WARNINGS_AS_ERRORS)
  target_compile_options(errkb_warnings INTERFACE -Werror)
endif()

add_library(errkb_sanitizers INTERFACE)
if(ERRKB_SANITIZE)
  # GCC 12 reports false maybe-uninitialized warnings inside <regex> and
  # <functional> under ASan instrumentation (valijson uses std::regex).
  target_compile_options(errkb_sanitizers INTERFACE -fsanitize=address,undefined
    -fno-sanitize-recover=undefined -fno-omit-frame-pointer
    $<$<CXX_COMPILER_ID:GNU>:-Wno-maybe-uninitialized>)
  target_link_options(errkb_sanitizers INTERFACE -fsanitize=address,undefined)
endif()

# errkb_module(NAME SOURCES... DEPS ...): one folder, one library target.
function(errkb_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${M_SOURCES})
  target_link_libraries(${name} PUBLIC ${M_DEPS} errkb_settings PRIVATE errkb_warnings errkb_sanitizers)
endfunction()
