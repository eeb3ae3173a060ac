#pragma once
// `autopilot doctor`: what toolchains and services this machine offers the tool.

#include <string>
#include <vector>

#include "autopilot/exec/process_runner.h"

namespace autopilot::doctor {

/// One line of the report.
struct CheckResult {
  std::string name;
  bool found = false;
  bool required = false;   ///< the tool cannot do its main job without it
  std::string version;     ///< "" when unknown
  std::string detail;      ///< where it was found, or what to do about it
  std::string needed_by;   ///< which capability uses it
};

/// Where to look. Defaults read the environment; tests override.
struct DoctorOptions {
  std::string python = "/usr/bin/python3";
  std::string cxx;          ///< "" → $CXX or g++
  std::string ollama_host;  ///< "" → $OLLAMA_HOST or http://localhost:11434
  std::vector<std::string> node_module_dirs;  ///< where npm packages may be installed
  double probe_timeout_s = 15.0;
  std::string arduino_cli;   ///< "" → $AUTOPILOT_ARDUINO_CLI or arduino-cli on PATH
  /// What the project's board needs from arduino-cli ("" / empty: no project, only listed).
  std::string arduino_fqbn;
  std::string arduino_core;                 ///< e.g. arduino:mbed_nano
  std::vector<std::string> arduino_libraries;  ///< e.g. Arduino_LSM9DS1, Harvard_TinyMLx
};

/// Runs every check. Never fails: what is missing is reported, not raised.
std::vector<CheckResult> RunDoctor(const DoctorOptions& options, exec::ProcessRunner* runner);

/// GET `url` with a short timeout; body on 2xx, Error otherwise (used for Ollama).
Result<std::string> HttpGetText(const std::string& url, double timeout_s);

}  // namespace autopilot::doctor
