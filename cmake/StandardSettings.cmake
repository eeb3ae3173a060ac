# Warning and settings targets, linked PRIVATE by project code only (never by third-party code).
add_library(autopilot_warnings INTERFACE)
target_compile_options(autopilot_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Woverloaded-virtual -Wformat=2 -Wimplicit-fallthrough)
if(AUTOPILOT_DEV)
  target_compile_options(autopilot_warnings INTERFACE -Werror)
endif()

add_library(autopilot_settings INTERFACE)
target_compile_features(autopilot_settings INTERFACE cxx_std_20)
target_compile_definitions(autopilot_settings INTERFACE
  AUTOPILOT_VERSION="${PROJECT_VERSION}"
  AUTOPILOT_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
