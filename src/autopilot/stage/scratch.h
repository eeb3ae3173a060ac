#pragma once
// A fresh folder for one run of generated code, removed when the chain that made it is done.

#include <string>

#include "autopilot/util/files.h"

namespace autopilot::stage {

/// A temporary folder named `<prefix>XXXXXX`; dir() is "" when it could not be made.
class Scratch {
 public:
  explicit Scratch(const std::string& prefix) {
    auto d = util::MakeTempDir(prefix);
    if (d) dir_ = *d;
  }
  ~Scratch() {
    if (!dir_.empty()) util::RemoveTree(dir_);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

}  // namespace autopilot::stage
