#pragma once
// model.h generation: the model bytes as a C array a sketch includes.

#include <cstdint>
#include <span>
#include <string>

namespace autopilot::tflite {

/// An include-guarded header defining `alignas(16) const unsigned char SYMBOL[]` and
/// `const unsigned int SYMBOL_len`. `source` is named in a comment.
std::string GenerateHeader(std::span<const uint8_t> bytes, const std::string& symbol,
                           const std::string& source);
/// True when `symbol` is a valid C identifier.
bool IsCIdentifier(const std::string& symbol);

}  // namespace autopilot::tflite
