#include "autopilot/board/model_header.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>

namespace autopilot::board {

Result<std::vector<uint8_t>> ModelBytesFromHeader(const std::string& text) {
  size_t pos = 0;
  while ((pos = text.find("char", pos)) != std::string::npos) {
    size_t bracket = text.find('[', pos);
    size_t brace = text.find('{', pos);
    size_t semi = text.find(';', pos);
    if (bracket == std::string::npos || brace == std::string::npos || brace < bracket ||
        (semi != std::string::npos && semi < brace)) {
      pos += 4;
      continue;
    }
    size_t end = text.find('}', brace);
    if (end == std::string::npos) break;
    std::vector<uint8_t> bytes;
    size_t i = brace + 1;
    while (i < end) {
      if (std::isdigit(static_cast<unsigned char>(text[i]))) {
        char* stop = nullptr;
        unsigned long v = std::strtoul(text.c_str() + i, &stop, 0);
        if (v > 255) return Error{"format.malformed", "model array value out of byte range"};
        bytes.push_back(static_cast<uint8_t>(v));
        i = static_cast<size_t>(stop - text.c_str());
        while (i < end && std::isalnum(static_cast<unsigned char>(text[i]))) i++;  // suffixes
      } else {
        i++;
      }
    }
    if (!bytes.empty()) return bytes;
    pos = end;
  }
  return Error{"format.malformed", "no `unsigned char NAME[] = { ... }` array found in the model header"};
}

std::string ModelHeaderText(const std::vector<uint8_t>& bytes, const std::string& symbol,
                            const std::string& length_symbol) {
  std::string out = "const unsigned char " + symbol + "[] = {\n";
  char buf[8];
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::snprintf(buf, sizeof buf, "0x%02x", bytes[i]);
    out += (i % 12 == 0) ? "  " : " ";
    out += buf;
    out += (i + 1 < bytes.size()) ? "," : "";
    if (i % 12 == 11 || i + 1 == bytes.size()) out += "\n";
  }
  out += "};\n";
  if (!length_symbol.empty()) out += "const unsigned int " + length_symbol + " = " + std::to_string(bytes.size()) + ";\n";
  return out;
}

}  // namespace autopilot::board
