#pragma once
// "Does it fit?" without arduino-cli: the sketch translation unit (with its model array and
// tensor arena) cross-compiled for the board's Cortex-M4F by Debian's gcc-arm-none-eabi against
// the board SDK headers, measured with arm-none-eabi-size. An estimate: the core, mbed OS and
// the TFLM library objects are not linked, so the real build is larger.

#include <cstdint>
#include <string>

#include "autopilot/board/board_spec.h"
#include "autopilot/board/diagnostics.h"
#include "autopilot/board/profile.h"
#include "autopilot/exec/process_runner.h"
#include "autopilot/util/result.h"

namespace autopilot::board {

/// The estimate for one sketch.
struct SizeEstimate {
  bool compiled = false;      ///< false: the cross-compile failed (diagnostics say why)
  int64_t flash_bytes = 0;    ///< text + data of the sketch object (code, constants, model array)
  int64_t ram_bytes = 0;      ///< data + bss (globals, the tensor arena)
  int64_t max_flash_bytes = 0;  ///< the board's max_sketch_bytes
  int64_t max_ram_bytes = 0;    ///< the board's max_data_bytes
  int64_t model_bytes = 0;    ///< the model array of model.h (part of flash_bytes)
  int64_t arena_bytes = 0;    ///< the largest bss symbol named like an arena (part of ram_bytes)
  int64_t ms = 0;
  std::vector<Diagnostic> diagnostics;  ///< compiler errors; build.memory_overflow when over
  std::string code;           ///< taxonomy id of the first error ("" when it fits)
  /// "estimate: flash X of Y, RAM A of B"
  std::string Summary() const;
};

/// Cross-compiles `sketch_path` (preprocessed like the Arduino builder, `model_header` beside
/// it as model.h) for Cortex-M4F (-mcpu=cortex-m4 -mfloat-abi=hard -mfpu=fpv4-sp-d16 -Os) with
/// the profile's SDK headers and defines, in the sandbox. Errors: the cross compiler is missing.
Result<SizeEstimate> EstimateSize(const Profile& profile, const BoardSpec& board,
                                  const std::string& sketch_path, const std::string& model_header,
                                  exec::ProcessRunner* runner);

/// Parses arm-none-eabi-size's Berkeley output (text data bss dec hex filename, one row per
/// object) into the sum of text, data and bss.
struct SectionSums {
  int64_t text = 0, data = 0, bss = 0;
};
Result<SectionSums> ParseBerkeleySize(const std::string& output);

}  // namespace autopilot::board
