#pragma once
// The SG static layer: libclang parses the preprocessed sketch with the board SDK headers (without
// them member calls vanish from the AST) and checks the structure a working TFLM sketch needs —
// entry points, model.h, the model loaded and version-checked, AllocateTensors checked, Invoke
// reachable from loop(), the input written, the output read, the resolver covering the model's ops.

#include <string>
#include <vector>

#include "autopilot/board/profile.h"
#include "autopilot/util/result.h"
#include "autopilot/validate/diagnostic.h"

namespace autopilot::validate {

/// A sensor the sketch must read, from the board data: its library's header and object.
struct SketchSensor {
  std::string id;       ///< APDS9960, IMU, …
  std::string library;  ///< Arduino_LSM9DS1
  std::string header;   ///< Arduino_LSM9DS1.h
  std::string object;   ///< IMU
};

/// What the static layer knows about the model the sketch is built with.
struct SketchModelFacts {
  std::string header_text;            ///< model.h as the sketch will see it
  std::string symbol;                 ///< the model array's name in model.h
  std::vector<std::string> ops;       ///< builtin operators the resolver must register ("FULLY_CONNECTED", …)
  /// The project's sensors (board.sensors on its board): each header included, each object begun.
  /// Empty: not checked (a sketch judged without a project).
  std::vector<SketchSensor> sensors;
};

/// The sensors of `ids` on `board` as the static layer checks them; unknown ids are skipped (the
/// project config has already refused them).
std::vector<SketchSensor> SketchSensorsOf(const board::BoardSpec& board, const std::vector<std::string>& ids);

/// Facts from an existing model.h: its first array's name, and the ops of the model it holds.
Result<SketchModelFacts> ModelFactsFromHeader(const std::string& header_text);
/// Facts from a .tflite: the header the board build would generate in the profile's convention
/// (`symbol` overrides the profile's array name) and the model's ops.
Result<SketchModelFacts> ModelFactsFromTflite(const std::string& tflite_path, const board::Profile& profile,
                                              const std::string& symbol = "");

/// Runs every static check on one sketch. `sketch_name` is the file name diagnostics point at.
/// A sketch the clang front end rejects is not judged here (the build layer reports it): the
/// layer passes with one note carrying the first error's build.* code. An Error means libclang
/// could not run at all.
Result<LayerResult> ValidateSketchStatic(const std::string& sketch_text, const SketchModelFacts& facts,
                                         const board::Profile& profile,
                                         const std::string& sketch_name = "sketch.ino");

/// The builtin operator a MicroMutableOpResolver method registers ("AddConv2D" → "CONV_2D");
/// "" for methods that register none (AddCustom, unknown names).
std::string OpForResolverMethod(const std::string& method);

}  // namespace autopilot::validate
