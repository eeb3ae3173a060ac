# Every dependency comes from a Debian 12 package (see scripts/deps/debian.txt); no downloads at build time.
find_package(Threads REQUIRED)
find_package(yaml-cpp 0.7 REQUIRED)
find_package(CLI11 2.1 REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(CURL REQUIRED)
# RE2 (libre2-dev) ships only a pkg-config file in Debian 12.
find_package(PkgConfig REQUIRED)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
# SG static validator: libclang 14's C API (libclang-14-dev). Found directly: ClangConfig.cmake
# would drag in the whole LLVM CMake package for one library and one header folder (which
# src/autopilot/validate adds to its one source file only).
find_path(LIBCLANG_INCLUDE_DIR clang-c/Index.h HINTS /usr/lib/llvm-14/include REQUIRED)
find_library(LIBCLANG_LIBRARY NAMES clang-14 clang HINTS /usr/lib/llvm-14/lib REQUIRED)
# TFLite core: libflatbuffers-dev + flatbuffers-compiler (flatc builds the schema subset).
find_package(FlatBuffers REQUIRED)
# Keras .keras input (model quantize): libzip-dev for the archive, libhdf5-dev (serial C API) for
# model.weights.h5; both found through their Debian pkg-config files.
pkg_check_modules(LIBZIP REQUIRED IMPORTED_TARGET libzip)
pkg_check_modules(HDF5 REQUIRED IMPORTED_TARGET hdf5-serial)
# autopilot serve: cpp-httplib (libcpp-httplib-dev). Debian ships it compiled (libcpp-httplib.so)
# with TLS/zlib/brotli enabled; its pkg-config file carries the matching -D flags, which must be
# the same in our translation units or the classes' layouts differ.
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
if(AUTOPILOT_BUILD_TESTS)
  find_package(GTest REQUIRED)
  include(GoogleTest)
endif()
if(AUTOPILOT_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
