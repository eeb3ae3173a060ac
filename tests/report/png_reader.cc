#include "png_reader.h"

#include <zlib.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

namespace autopilot::report::testing {
namespace {

uint32_t BigEndian32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

uint8_t Paeth(int a, int b, int c) {
  const int p = a + b - c;
  const int pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  if (pa <= pb && pa <= pc) return static_cast<uint8_t>(a);
  return static_cast<uint8_t>(pb <= pc ? b : c);
}

}  // namespace

Image ReadPng(const std::string& path, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  static const uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (data.size() < 8 || !std::equal(kSignature, kSignature + 8, data.begin())) {
    *error = path + ": not a PNG";
    return {};
  }
  Image img;
  int depth = 0, color_type = 0, interlace = 0;
  std::vector<uint8_t> idat;
  for (size_t pos = 8; pos + 12 <= data.size();) {
    const uint32_t length = BigEndian32(&data[pos]);
    const std::string kind(reinterpret_cast<const char*>(&data[pos + 4]), 4);
    if (pos + 12 + length > data.size()) break;
    const uint8_t* body = &data[pos + 8];
    if (kind == "IHDR" && length >= 13) {
      img.width = static_cast<int>(BigEndian32(body));
      img.height = static_cast<int>(BigEndian32(body + 4));
      depth = body[8];
      color_type = body[9];
      interlace = body[12];
    } else if (kind == "IDAT") {
      idat.insert(idat.end(), body, body + length);
    }
    pos += 12 + length;
  }
  if (depth != 8 || interlace != 0 || (color_type != 2 && color_type != 6)) {
    *error = path + ": unsupported PNG (depth " + std::to_string(depth) + ", colour type " +
             std::to_string(color_type) + ", interlace " + std::to_string(interlace) + ")";
    return {};
  }
  const size_t bpp = color_type == 2 ? 3 : 4;
  const size_t stride = static_cast<size_t>(img.width) * bpp;
  std::vector<uint8_t> raw((stride + 1) * static_cast<size_t>(img.height));
  uLongf raw_size = static_cast<uLongf>(raw.size());
  if (uncompress(raw.data(), &raw_size, idat.data(), static_cast<uLong>(idat.size())) != Z_OK ||
      raw_size != raw.size()) {
    *error = path + ": corrupt image data";
    return {};
  }
  std::vector<uint8_t> prev(stride, 0), line(stride);
  img.rgb.resize(static_cast<size_t>(img.width) * static_cast<size_t>(img.height) * 3);
  for (size_t y = 0; y < static_cast<size_t>(img.height); ++y) {
    const uint8_t* src = &raw[y * (stride + 1)];
    const uint8_t filter = src[0];
    for (size_t x = 0; x < stride; ++x) {
      const int a = x >= bpp ? line[x - bpp] : 0;
      const int b = prev[x];
      const int c = x >= bpp ? prev[x - bpp] : 0;
      int v = src[1 + x];
      switch (filter) {
        case 1: v += a; break;
        case 2: v += b; break;
        case 3: v += (a + b) / 2; break;
        case 4: v += Paeth(a, b, c); break;
        default: break;
      }
      line[x] = static_cast<uint8_t>(v & 0xFF);
    }
    for (size_t x = 0; x < static_cast<size_t>(img.width); ++x) {
      for (size_t ch = 0; ch < 3; ++ch) img.rgb[(y * static_cast<size_t>(img.width) + x) * 3 + ch] = line[x * bpp + ch];
    }
    prev.swap(line);
  }
  return img;
}

}  // namespace autopilot::report::testing
