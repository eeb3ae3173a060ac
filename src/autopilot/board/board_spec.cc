#include "autopilot/board/board_spec.h"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "autopilot/board/host_build.h"
#include "autopilot/board/profile.h"
#include "autopilot/board/sdk_tree.h"
#include "autopilot/util/files.h"
#include "autopilot/util/strings.h"

namespace autopilot::board {
namespace fs = std::filesystem;

ValueRange QuantitySpec::RangeOf(const std::string& column) const {
  auto it = column_ranges.find(column);
  return it == column_ranges.end() ? range : it->second;
}

const QuantitySpec* SensorSpec::Quantity(const std::string& wanted) const {
  for (const auto& q : quantities) {
    if (q.name == wanted) return &q;
  }
  return nullptr;
}

const SensorSpec* BoardSpec::Sensor(const std::string& id) const {
  for (const auto& s : sensors) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

std::vector<const LibrarySpec*> BoardSpec::AllLibraries() const {
  std::vector<const LibrarySpec*> out;
  auto add = [&](const LibrarySpec& l) {
    for (const LibrarySpec* have : out) {
      if (have->library == l.library) return;
    }
    out.push_back(&l);
  };
  for (const auto& s : sensors) add(s.library);
  for (const auto& l : libraries) add(l);
  return out;
}

namespace {

/// Reads one JSON object of board.json strictly: every key must be known and of the right type.
/// The first problem is kept, naming the file and the key's path; later reads then do nothing.
class ObjectReader {
 public:
  ObjectReader(const nlohmann::json& j, std::string file, std::string where, std::string* error,
               const std::set<std::string>& known)
      : j_(j), file_(std::move(file)), where_(std::move(where)), error_(error) {
    if (!j_.is_object()) {
      Fail("", "must be an object");
      return;
    }
    for (const auto& [key, value] : j_.items()) {
      if (!known.count(key)) {
        Fail(key,
             "is not a known key (known: " + util::Join({known.begin(), known.end()}, ", ") + ")");
        return;
      }
    }
  }

  /// The path of `key` inside the file, e.g. sensors[1].quantities[0].rate_hz.
  std::string Path(const std::string& key) const {
    if (key.empty()) return where_.empty() ? "the file" : where_;
    return where_.empty() ? key : where_ + "." + key;
  }
  void Fail(const std::string& key, const std::string& what) {
    if (error_->empty()) *error_ = file_ + ": " + Path(key) + " " + what;
  }
  bool failed() const { return !error_->empty(); }

  /// The value of `key`, or null when absent (an error when required).
  const nlohmann::json* Get(const std::string& key, bool required) {
    if (failed() || !j_.is_object()) return nullptr;
    auto it = j_.find(key);
    if (it == j_.end()) {
      if (required) Fail(key, "is required");
      return nullptr;
    }
    return &*it;
  }
  std::string String(const std::string& key, bool required) {
    const nlohmann::json* v = Get(key, required);
    if (!v) return "";
    if (!v->is_string()) {
      Fail(key, "must be a string");
      return "";
    }
    return v->get<std::string>();
  }
  std::vector<std::string> Strings(const std::string& key, bool required) {
    const nlohmann::json* v = Get(key, required);
    std::vector<std::string> out;
    if (!v) return out;
    if (!v->is_array()) {
      Fail(key, "must be a list of strings");
      return out;
    }
    for (const auto& s : *v) {
      if (!s.is_string()) {
        Fail(key, "must be a list of strings");
        return {};
      }
      out.push_back(s.get<std::string>());
    }
    return out;
  }
  double Number(const std::string& key, bool required) {
    const nlohmann::json* v = Get(key, required);
    if (!v) return 0;
    if (!v->is_number()) {
      Fail(key, "must be a number");
      return 0;
    }
    return v->get<double>();
  }
  int64_t Count(const std::string& key, bool required) {
    const nlohmann::json* v = Get(key, required);
    if (!v) return 0;
    if (!v->is_number_integer() || v->get<int64_t>() <= 0) {
      Fail(key, "must be a positive whole number");
      return 0;
    }
    return v->get<int64_t>();
  }
  ValueRange Range(const nlohmann::json& v, const std::string& key) {
    if (!v.is_array() || v.size() != 2 || !v[0].is_number() || !v[1].is_number() ||
        v[0].get<double>() > v[1].get<double>()) {
      Fail(key, "must be [min, max] (numbers, min <= max)");
      return {};
    }
    return {v[0].get<double>(), v[1].get<double>()};
  }

 private:
  const nlohmann::json& j_;
  std::string file_;
  std::string where_;
  std::string* error_;
};

const std::set<std::string> kBoardKeys = {
    "name",   "display_name",     "description",    "fqbn",    "flash_kb",
    "ram_kb", "max_sketch_bytes", "max_data_bytes", "sensors", "libraries"};
const std::set<std::string> kLibraryKeys = {"library", "include",     "object",  "class",     "runtime",
                                            "description", "methods", "notes", "prompt_api", "prompt_notes"};
const std::set<std::string> kQuantityKeys = {"name",    "read", "available", "sample_rate",
                                             "columns", "unit", "range",     "column_ranges",
                                             "rate_hz", "note"};

std::set<std::string> SensorKeys() {
  std::set<std::string> keys = kLibraryKeys;
  keys.insert({"id", "chip", "begin", "quantities"});
  return keys;
}

/// The library part of a sensor or library entry; checks that the library folder, its header
/// and the runtime source exist in the SDK.
LibrarySpec ReadLibrary(ObjectReader& r, const std::string& sdk, const std::string& cache_root) {
  LibrarySpec l;
  l.library = r.String("library", true);
  l.include = r.String("include", true);
  l.object = r.String("object", true);
  l.class_name = r.String("class", true);
  l.description = r.String("description", false);
  l.methods = r.Strings("methods", false);
  l.notes = r.Strings("notes", false);
  l.prompt_api = r.Strings("prompt_api", false);
  l.prompt_notes = r.Strings("prompt_notes", false);
  std::string runtime = r.String("runtime", true);
  if (r.failed()) return l;
  std::string folder = sdk + "/libraries/" + l.library;
  if (l.library.empty() || l.library.find('/') != std::string::npos || !fs::is_directory(folder)) {
    std::vector<std::string> known;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(sdk + "/libraries", ec)) {
      if (e.is_directory()) known.push_back(e.path().filename().string());
    }
    std::sort(known.begin(), known.end());
    r.Fail("library", "'" + l.library + "' is not a library folder in " + sdk +
                          "/libraries (there: " + util::Join(known, ", ") + ")");
    return l;
  }
  auto dir = ResolveLibrary(sdk, folder, cache_root);
  if (!dir) {
    r.Fail("library", "'" + l.library + "': " + dir.error().message);
    return l;
  }
  l.library_dir = *dir;
  if (!util::PathExists(l.library_dir + "/src/" + l.include)) {
    r.Fail("include",
           "'" + l.include + "' is not a header of " + l.library + " (" + l.library_dir + "/src)");
    return l;
  }
  l.runtime = sdk + "/" + runtime;
  if (runtime.empty() || !util::PathExists(l.runtime)) {
    r.Fail("runtime", "'" + runtime + "' is not a file in " + sdk);
  }
  return l;
}

QuantitySpec ReadQuantity(const nlohmann::json& j, const std::string& file,
                          const std::string& where, std::string* error) {
  ObjectReader r(j, file, where, error, kQuantityKeys);
  QuantitySpec q;
  q.name = r.String("name", true);
  q.read = r.String("read", true);
  q.available = r.String("available", false);
  q.sample_rate = r.String("sample_rate", false);
  q.columns = r.Strings("columns", true);
  q.unit = r.String("unit", true);
  if (const nlohmann::json* v = r.Get("range", true)) q.range = r.Range(*v, "range");
  if (const nlohmann::json* v = r.Get("column_ranges", false)) {
    if (!v->is_object()) r.Fail("column_ranges", "must be {column: [min, max], …}");
    for (const auto& [column, range] : v->items()) {
      if (r.failed()) break;
      if (std::find(q.columns.begin(), q.columns.end(), column) == q.columns.end()) {
        r.Fail("column_ranges." + column,
               "is not one of the columns (" + util::Join(q.columns, ", ") + ")");
        break;
      }
      q.column_ranges[column] = r.Range(range, "column_ranges." + column);
    }
  }
  q.rate_hz = r.Number("rate_hz", true);
  if (!r.failed() && q.rate_hz < 0) r.Fail("rate_hz", "must be >= 0 (0: one-shot)");
  q.note = r.String("note", false);
  return q;
}

Result<BoardSpec> ParseBoard(const std::string& board_dir, const std::string& name,
                             const std::string& file, const std::string& cache_root) {
  auto text = util::ReadFile(file);
  if (!text) return Error{errc::kEnv, file + ": cannot read (" + text.error().message + ")"};
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded()) return Error{errc::kEnv, file + ": not valid JSON"};
  std::string error;
  const std::string sdk = board_dir + "/sdk";
  ObjectReader top(j, file, "", &error, kBoardKeys);
  BoardSpec b;
  b.file = file;
  b.name = top.String("name", true);
  if (!top.failed() && b.name != name) {
    top.Fail("name", "is '" + b.name + "' but the folder is '" + name + "' (they must agree)");
  }
  b.display_name = top.String("display_name", true);
  b.description = top.String("description", false);
  b.fqbn = top.String("fqbn", true);
  b.flash_kb = top.Count("flash_kb", true);
  b.ram_kb = top.Count("ram_kb", true);
  b.max_sketch_bytes = top.Count("max_sketch_bytes", false);
  b.max_data_bytes = top.Count("max_data_bytes", false);
  const nlohmann::json* sensors = top.Get("sensors", true);
  if (sensors && !sensors->is_array()) top.Fail("sensors", "must be a list of sensors");
  for (size_t i = 0; !top.failed() && sensors && i < sensors->size(); ++i) {
    const nlohmann::json& s = (*sensors)[i];
    std::string where = "sensors[" + std::to_string(i) + "]";
    if (s.is_object() && s.contains("id") && s["id"].is_string())
      where += " (" + s["id"].get<std::string>() + ")";
    ObjectReader r(s, file, where, &error, SensorKeys());
    SensorSpec spec;
    spec.id = r.String("id", true);
    if (!r.failed() && b.Sensor(spec.id)) r.Fail("id", "'" + spec.id + "' appears twice");
    spec.chip = r.String("chip", true);
    spec.begin = r.String("begin", true);
    spec.library = ReadLibrary(r, sdk, cache_root);
    const nlohmann::json* qs = r.Get("quantities", true);
    if (qs && !qs->is_array()) r.Fail("quantities", "must be a list");
    for (size_t k = 0; !r.failed() && qs && k < qs->size(); ++k) {
      std::string qwhere = r.Path("quantities[" + std::to_string(k) + "]");
      spec.quantities.push_back(ReadQuantity((*qs)[k], file, qwhere, &error));
    }
    b.sensors.push_back(std::move(spec));
  }
  const nlohmann::json* libraries = top.Get("libraries", false);
  if (libraries && !libraries->is_array()) top.Fail("libraries", "must be a list of libraries");
  for (size_t i = 0; !top.failed() && libraries && i < libraries->size(); ++i) {
    ObjectReader r((*libraries)[i], file, "libraries[" + std::to_string(i) + "]", &error,
                   kLibraryKeys);
    b.libraries.push_back(ReadLibrary(r, sdk, cache_root));
  }
  if (!error.empty()) return Error{errc::kEnv, error};
  return b;
}

}  // namespace

std::vector<std::string> BoardNamesIn(const std::string& board_dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(board_dir + "/boards", ec)) {
    if (e.is_directory() && util::PathExists((e.path() / "board.json").string())) {
      names.push_back(e.path().filename().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> BoardNames() {
  return BoardNamesIn(BoardDataDir());
}

Result<BoardSpec> LoadBoard(const std::string& name) {
  return LoadBoardFrom(BoardDataDir(), name, BoardCacheDir());
}

Result<BoardSpec> LoadBoardFrom(const std::string& board_dir, const std::string& name,
                                const std::string& cache_root) {
  const std::string file = board_dir + "/boards/" + name + "/board.json";
  if (name.empty() || name.find('/') != std::string::npos || !util::PathExists(file)) {
    std::vector<std::string> known = BoardNamesIn(board_dir);
    std::string hint = util::ClosestMatch(name, known);
    return Error{errc::kUsage, "unknown board '" + name + "': no " + file +
                                   " (boards: " + util::Join(known, ", ") +
                                   (hint.empty() ? "" : "; did you mean '" + hint + "'?") + ")"};
  }
  return ParseBoard(board_dir, name, file, cache_root);
}

}  // namespace autopilot::board
