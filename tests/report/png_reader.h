#pragma once
// Decodes the 8-bit, non-interlaced RGB/RGBA PNGs that Chromium's --screenshot writes, so the
// report test can look at the pixels of the rendered charts.

#include <cstdint>
#include <string>
#include <vector>

namespace autopilot::report::testing {

/// An RGB image (alpha dropped).
struct Image {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgb;  ///< row-major, 3 bytes per pixel
};

/// The decoded image, or an empty one with `error` set.
Image ReadPng(const std::string& path, std::string* error);

}  // namespace autopilot::report::testing
