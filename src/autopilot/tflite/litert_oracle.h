#pragma once
// Google's TFLite runtime (LiteRT.js, WebAssembly under Node) as an independent oracle: runs a
// model on exact input bytes and returns the exact output bytes.

#include <cstdint>
#include <string>
#include <vector>

#include "autopilot/util/result.h"

namespace autopilot::tflite {

/// Bytes of each input (per inference) or each output.
using TensorBytesList = std::vector<std::vector<uint8_t>>;

struct LiteRtRun {
  std::vector<TensorBytesList> outputs;  ///< per inference, per output tensor
  double load_ms = 0;                    ///< load + compile inside LiteRT
  double run_us = 0;                     ///< mean time per inference of the `repeat` loop
};

/// Where node and the runner script are; "" when LiteRT is unusable, with the reason in `why`.
/// The script is tools/litert/litert_run.mjs and the packages tools/node (scripts/bootstrap),
/// overridable with $AUTOPILOT_LITERT_SCRIPT and $AUTOPILOT_NODE_DIR.
bool LiteRtAvailable(std::string* why);

/// Runs every inference (and `repeat` extra timed runs) in one Node process.
Result<LiteRtRun> RunLiteRt(const std::string& model_path,
                            const std::vector<TensorBytesList>& inferences, int repeat = 0);

}  // namespace autopilot::tflite
