# strata_module(NAME SOURCES ... [DEPS ...] [TESTS ...] [TEST_DEPS ...])
#
# A module is a folder of x.hpp / x.cpp / x.test.cpp files (STYLE.md rule 1). This builds the
# library strata_NAME (alias strata::NAME) and, when TESTS are given, one GoogleTest executable
# NAME_test whose cases CTest discovers one by one.
include(GoogleTest)

function(strata_module name)
  cmake_parse_arguments(arg "" "" "SOURCES;DEPS;TESTS;TEST_DEPS" ${ARGN})
  add_library(strata_${name} ${arg_SOURCES})
  add_library(strata::${name} ALIAS strata_${name})
  target_include_directories(strata_${name} PUBLIC ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
  target_link_libraries(strata_${name} PUBLIC ${arg_DEPS})
  strata_warnings(strata_${name})
  if(arg_TESTS AND STRATA_BUILD_TESTS)
    add_executable(${name}_test ${arg_TESTS})
    target_link_libraries(${name}_test PRIVATE strata_${name} ${arg_TEST_DEPS} GTest::gtest_main)
    strata_warnings(${name}_test)
    gtest_discover_tests(${name}_test DISCOVERY_MODE PRE_TEST
                         PROPERTIES LABELS "unit;${name}" TIMEOUT 300)
  endif()
endfunction()

function(strata_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra)
  if(STRATA_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
