#pragma once
// The viewer's read-only queries over a run store, as JSON documents the page renders. Every
// text in them is the store's as it is (untrusted LLM output): the page escapes it.

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "autopilot/store/sqlite.h"
#include "autopilot/util/result.h"

namespace autopilot::serve {

/// What the lists may be narrowed to; an empty field does not filter.
struct Filter {
  std::string model;
  std::string format;
  std::string stage;
  std::string code;  ///< taxonomy id: runs with an attempt, a layer or a final code of this id
};

/// One cell (model × format × stage × preset) and a page of its runs.
struct CellQuery {
  std::string model, format, stage, preset;
  std::string code;  ///< as Filter::code
  int64_t offset = 0;
  int64_t limit = 200;
};

/// A read-only connection to a store and the queries the pages need. One per thread.
class StoreView {
 public:
  /// Opens an existing store read-only; a missing file or a file without the run tables is an
  /// Error naming the file.
  static Result<StoreView> Open(const std::string& path);

  /// Sweeps and cells with success rates, and the values the filters offer.
  Result<nlohmann::json> Summary(const Filter& filter);
  /// One cell's counts and a page of its runs, newest first.
  Result<nlohmann::json> Cell(const CellQuery& query);
  /// One run: its attempts in order, each with prompt, reply, code, a diff against the previous
  /// attempt of its stage, every layer's diagnostics (with the code line they point at), the LLM
  /// call, and what the board printed and how each sample was judged. Error "usage" when absent.
  Result<nlohmann::json> Run(int64_t id);
  /// Live progress: per sweep, runs by status and the latest change; the running runs.
  Result<nlohmann::json> Progress();

  store::Database& db() { return db_; }

 private:
  explicit StoreView(store::Database db) : db_(std::move(db)) {}
  store::Database db_;
};

}  // namespace autopilot::serve
