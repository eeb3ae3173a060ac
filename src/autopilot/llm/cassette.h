#pragma once
// Record and replay: a cassette is a JSONL file, one answered request per line, keyed by the
// SHA-256 of the normalised request. Secrets are never written.
//
// The key covers what decides the answer: messages, sampling and num_ctx. It leaves out the model
// (so a `replay:` spec, which names no model, can serve it), the wire streaming mode and the
// request tag (stage, attempt). The tag is stored beside each entry so that a later replay can
// fall back to "same stage and attempt" when a prompt changed (ReplayOptions::match_tag_on_miss).

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "autopilot/llm/backend.h"
#include "autopilot/llm/types.h"
#include "autopilot/util/result.h"

namespace autopilot::llm {

/// Canonical JSON text of the parts of `request` that decide the answer.
std::string NormalisedRequest(const LlmRequest& request);
/// Lower-case hex SHA-256 of NormalisedRequest(request).
std::string RequestKey(const LlmRequest& request);
/// "system: …; user: …" excerpt that names a request in messages.
std::string DescribeRequest(const LlmRequest& request);

/// One cassette line.
struct CassetteEntry {
  std::string key;
  std::string provider;
  std::string model;
  RequestTag tag;
  LlmResult result;
  int line = 0;  ///< 1-based line in the file
};

/// Appends entries to a cassette (O_APPEND, one write per line, so parallel writers do not mix).
class CassetteWriter {
 public:
  static Result<CassetteWriter> Open(const std::string& path);
  /// Writes `result` for `request`; every occurrence of each string in `secrets` is masked.
  Result<void> Append(const ModelSpec& spec, const LlmRequest& request, const LlmResult& result,
                      const std::vector<std::string>& secrets);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

/// A cassette read into memory.
class Cassette {
 public:
  static Result<Cassette> Load(const std::string& path);
  const std::vector<CassetteEntry>& entries() const { return entries_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::vector<CassetteEntry> entries_;
};

/// How a replay matches requests.
struct ReplayOptions {
  /// On a key miss, serve the entry recorded for the same (stage, attempt) and warn. Off by
  /// default: a miss fails loudly.
  bool match_tag_on_miss = false;
  /// Serve only entries recorded for this "provider:model" ("" = any).
  std::string model_filter;
};

/// Serves a cassette offline. Identical requests get the recorded answers in recorded order; the
/// last one is repeated once they run out.
Result<std::unique_ptr<LlmBackend>> MakeReplayBackend(const std::string& path, BackendOptions options,
                                                      ReplayOptions replay = {});

}  // namespace autopilot::llm
