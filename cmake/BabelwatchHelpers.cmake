# babelwatch_add_library(NAME name SRCS ... [PUBLIC_DEPS ...] [PRIVATE_DEPS ...])
# Defines the library `name` with alias babelwatch::name. Includes resolve from the repo root.
function(babelwatch_add_library)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${ARG_NAME} STATIC ${ARG_SRCS})
  add_library(babelwatch::${ARG_NAME} ALIAS ${ARG_NAME})
  target_include_directories(${ARG_NAME} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${ARG_NAME} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE babelwatch_options ${ARG_PRIVATE_DEPS})
endfunction()

# babelwatch_add_test(NAME name SRCS ... [DEPS ...] [LABELS ...])
# One Catch2 binary per component; every TEST_CASE becomes its own ctest test.
function(babelwatch_add_test)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_link_libraries(${ARG_NAME} PRIVATE babelwatch_options Catch2::Catch2WithMain ${ARG_DEPS})
  target_compile_definitions(${ARG_NAME} PRIVATE
    TEST_DATA_DIR="${PROJECT_SOURCE_DIR}/tests/data"
    SHARED_DIR="${BABELWATCH_SHARED_DIR}")
  # Every case is labelled with its binary's name, so `ctest -L feeds_test` runs one binary.
  set(labels ${ARG_NAME} ${ARG_LABELS})
  # --warn NoTests: a case whose name the test spec does not match (a ';' in the name splits
  # it into two ctest arguments) fails instead of passing with no test run.
  catch_discover_tests(${ARG_NAME} EXTRA_ARGS --warn NoTests
                       PROPERTIES LABELS "${labels}" TIMEOUT 300)
endfunction()
