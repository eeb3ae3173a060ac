#pragma once
// model.h for virtual builds: the bytes of a model array read back from a header, and headers
// written from .tflite bytes in a profile's convention.

#include <cstdint>
#include <string>
#include <vector>

#include "autopilot/util/result.h"

namespace autopilot::board {

/// Bytes of the first `unsigned char NAME[] = { ... };` array in a C/C++ header (hex or decimal
/// literals). Error when there is no such array.
Result<std::vector<uint8_t>> ModelBytesFromHeader(const std::string& header_text);

/// `const unsigned char SYMBOL[] = {...};`, plus `const unsigned int LENGTH_SYMBOL = N;` when a
/// length symbol is given (the study's header had none).
std::string ModelHeaderText(const std::vector<uint8_t>& bytes, const std::string& symbol,
                            const std::string& length_symbol);

}  // namespace autopilot::board
