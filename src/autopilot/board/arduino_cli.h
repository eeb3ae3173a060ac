#pragma once
// The real board path: arduino-cli compile/upload and its installed cores and libraries, run in
// the sandbox with only arduino-cli's own data folders visible (never the user's whole home).
// The JSON it prints (--format json) is parsed here into the same Diagnostic/taxonomy ids the
// virtual build gives.

#include <cstdint>
#include <string>
#include <vector>

#include "autopilot/board/board_spec.h"
#include "autopilot/board/diagnostics.h"
#include "autopilot/exec/process_runner.h"
#include "autopilot/util/result.h"

namespace autopilot::board {

/// Which arduino-cli to run and the folders it needs.
struct ArduinoCliSettings {
  std::string program;   ///< absolute path of the executable ("" = not found)
  std::string data_dir;  ///< cores and their tools (ARDUINO_DIRECTORIES_DATA)
  std::string user_dir;  ///< sketchbook with libraries/ (ARDUINO_DIRECTORIES_USER)
};

/// Resolves the settings: `program` (a --arduino-cli flag or board.arduino_cli; a bare name is
/// looked up on PATH), else $AUTOPILOT_ARDUINO_CLI, else `arduino-cli` on PATH. The folders
/// come from the tool's $ARDUINO_DIRECTORIES_DATA / $ARDUINO_DIRECTORIES_USER, else
/// arduino-cli's Linux defaults ~/.arduino15 and ~/Arduino.
ArduinoCliSettings ResolveArduinoCli(const std::string& program = "");

/// One entry of builder_result.executable_sections_size.
struct SectionSize {
  std::string name;  ///< "text" (flash) or "data" (RAM)
  int64_t size = 0;
  int64_t max_size = 0;  ///< 0 = no limit reported
};

/// What `arduino-cli compile --format json` said.
struct CliCompileResult {
  bool success = false;
  int exit_code = 0;
  std::vector<Diagnostic> diagnostics;  ///< errors carry a build.* taxonomy id
  std::vector<SectionSize> sections;
  std::vector<std::string> libraries;  ///< used_libraries names
  std::string error;                   ///< the top-level "error" text
  std::string compiler_out;
  std::string compiler_err;
  std::string primary_code;  ///< taxonomy id of the first error ("" when it compiled and fits)
  int64_t build_ms = 0;
};

/// Parses compile's JSON. Diagnostics come from builder_result.diagnostics; when there are none
/// and the build failed, from the compiler_err text. A section larger than its max_size adds a
/// build.memory_overflow diagnostic naming the section, its size and the maximum.
Result<CliCompileResult> ParseCompileJson(const std::string& json_text, int exit_code);

/// Runs `arduino-cli compile --fqbn <board.fqbn> --format json` on `sketch_path` in the
/// sandbox: the sketch is copied into a folder named like it (with `model_header` as model.h
/// when given), only the data and user folders are shown, read-only.
Result<CliCompileResult> CompileWithArduinoCli(const ArduinoCliSettings& cli, const BoardSpec& board,
                                               const std::string& sketch_path,
                                               const std::string& model_header,
                                               exec::ProcessRunner* runner);

/// An installed core (platform) or library, as `core list` / `lib list` report it.
struct Installed {
  std::string name;  ///< "arduino:mbed_nano" or "Arduino_LSM9DS1"
  std::string version;
};
/// `core list --format json` → platforms[].{id, installed_version}.
Result<std::vector<Installed>> ParseCoreList(const std::string& json_text);
/// `lib list --format json` → installed_libraries[].library.{name, version}.
Result<std::vector<Installed>> ParseLibList(const std::string& json_text);
/// Runs `arduino-cli core list|lib list --format json` (kind "core" or "lib").
Result<std::vector<Installed>> ListInstalled(const ArduinoCliSettings& cli, const std::string& kind,
                                             exec::ProcessRunner* runner);

/// The core an FQBN needs: "arduino:mbed_nano" for arduino:mbed_nano:nano33ble.
std::string CoreOfFqbn(const std::string& fqbn);

/// What a project's board needs installed in arduino-cli.
struct ArduinoNeeds {
  std::string fqbn;
  std::string core;                    ///< CoreOfFqbn(fqbn)
  std::vector<std::string> libraries;  ///< the sensors' libraries, then the profile's TFLM library
};
/// The needs of board `board` (board/boards/<board>) reading `sensors` with toolchain profile
/// `profile`. Library names are the Library Manager's (library.properties `name=`).
Result<ArduinoNeeds> ArduinoNeedsOf(const std::string& board, const std::vector<std::string>& sensors,
                                    const std::string& profile);

/// What `arduino-cli upload` said.
struct UploadResult {
  bool success = false;
  int exit_code = 0;
  std::string output;  ///< stdout + stderr (or the JSON's stdout/stderr/error)
  int64_t ms = 0;
};
/// Compiles the sketch folder (staged like compile does, in the sandbox), then runs
/// `arduino-cli upload -p PORT --fqbn F --build-path B DIR`. The upload is not sandboxed: it
/// needs the serial device and the board's reset; its environment is still only the allow-list
/// plus the two folders.
Result<UploadResult> UploadWithArduinoCli(const ArduinoCliSettings& cli, const BoardSpec& board,
                                          const std::string& sketch_path, const std::string& model_header,
                                          const std::string& port, exec::ProcessRunner* runner);

}  // namespace autopilot::board
