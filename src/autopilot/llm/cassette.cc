#include "autopilot/llm/cassette.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include "autopilot/llm/backend_common.h"
#include "autopilot/llm/result_json.h"
#include "autopilot/util/clock.h"
#include "autopilot/util/files.h"
#include "autopilot/util/sha256.h"
#include "autopilot/util/strings.h"

namespace autopilot::llm {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

ordered_json NormalisedJson(const LlmRequest& request) {
  ordered_json j;
  j["messages"] = ordered_json::array();
  for (const auto& m : request.messages) j["messages"].push_back({{"role", m.role}, {"content", m.content}});
  ordered_json s = ordered_json::object();
  const Sampling& sp = request.sampling;
  if (sp.temperature) s["temperature"] = *sp.temperature;
  if (sp.top_p) s["top_p"] = *sp.top_p;
  if (sp.seed) s["seed"] = *sp.seed;
  if (sp.max_tokens) s["max_tokens"] = *sp.max_tokens;
  if (!sp.stop.empty()) s["stop"] = sp.stop;
  j["sampling"] = s;
  if (request.num_ctx) j["num_ctx"] = *request.num_ctx;
  return j;
}

std::string OneLine(std::string_view s, size_t max) {
  std::string out;
  for (char c : s.substr(0, max)) out.push_back(c == '\n' || c == '\r' ? ' ' : c);
  if (s.size() > max) out += "...";
  return out;
}

}  // namespace

std::string NormalisedRequest(const LlmRequest& request) { return NormalisedJson(request).dump(); }

std::string RequestKey(const LlmRequest& request) { return util::Sha256Hex(NormalisedRequest(request)); }

std::string DescribeRequest(const LlmRequest& request) {
  std::string out;
  for (const auto& m : request.messages) {
    if (!out.empty()) out += "; ";
    out += m.role + ": \"" + OneLine(m.content, 80) + "\"";
  }
  if (!request.tag.stage.empty()) {
    out += "; stage " + request.tag.stage + " attempt " + std::to_string(request.tag.attempt);
  }
  return out;
}

Result<CassetteWriter> CassetteWriter::Open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Error{kEnvMisconfigured, path + ": cannot open the cassette for appending: " + std::strerror(errno)};
  }
  ::close(fd);
  CassetteWriter w;
  w.path_ = path;
  return w;
}

Result<void> CassetteWriter::Append(const ModelSpec& spec, const LlmRequest& request, const LlmResult& result,
                                    const std::vector<std::string>& secrets) {
  ordered_json line;
  line["v"] = 1;
  line["key"] = RequestKey(request);
  line["recorded_at"] = util::NowRfc3339();
  line["provider"] = ProviderName(spec.provider);
  line["model"] = spec.model;
  line["base_url"] = util::RedactUrlCredentials(spec.base_url);
  line["tag"] = {{"stage", request.tag.stage}, {"attempt", request.tag.attempt}};
  line["stream"] = request.stream;
  line["request"] = NormalisedJson(request);
  line["result"] = ResultToJson(result, true);
  std::string text = line.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
  for (const auto& s : secrets) ScrubSecret(&text, s);
  text.push_back('\n');
  const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Error{kEnvMisconfigured, path_ + ": cannot append to the cassette: " + std::strerror(errno)};
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      return Error{kEnvMisconfigured, path_ + ": write to the cassette failed: " + why};
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return Ok();
}

Result<Cassette> Cassette::Load(const std::string& path) {
  auto text = util::ReadFile(path);
  if (!text) return Error{kEnvMisconfigured, path + ": cannot read the cassette: " + text.error().message};
  Cassette c;
  c.path_ = path;
  std::istringstream in(*text);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (util::Trim(line).empty()) continue;
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("key") || !j["key"].is_string() ||
        !j.contains("result")) {
      return Error{kEnvMisconfigured, path + ":" + std::to_string(number) +
                                          ": not a cassette entry (expected a JSON object with key and result)"};
    }
    CassetteEntry e;
    e.line = number;
    e.key = j["key"].get<std::string>();
    e.provider = j.value("provider", "");
    e.model = j.value("model", "");
    if (j.contains("tag") && j["tag"].is_object()) {
      e.tag.stage = j["tag"].value("stage", "");
      e.tag.attempt = j["tag"].value("attempt", 0);
    }
    e.result = ResultFromJson(j["result"]);
    c.entries_.push_back(std::move(e));
  }
  return c;
}

namespace {

/// Serves a loaded cassette.
class ReplayBackend final : public LlmBackend {
 public:
  ReplayBackend(Cassette cassette, BackendOptions options, ReplayOptions replay)
      : cassette_(std::move(cassette)), options_(WithDefaults(std::move(options))), replay_(std::move(replay)) {
    const auto& entries = cassette_.entries();
    for (size_t i = 0; i < entries.size(); ++i) {
      if (!replay_.model_filter.empty() && entries[i].provider + ":" + entries[i].model != replay_.model_filter) {
        continue;
      }
      by_key_[entries[i].key].push_back(i);
    }
  }

  Result<PingInfo> Ping() override {
    PingInfo info;
    info.base_url = cassette_.path();
    for (const auto& e : cassette_.entries()) {
      const std::string m = e.provider + ":" + e.model;
      if (std::find(info.models.begin(), info.models.end(), m) == info.models.end()) info.models.push_back(m);
    }
    info.model_found = !cassette_.entries().empty();
    return info;
  }

  std::string Describe() const override { return "replay:" + cassette_.path(); }

 protected:
  LlmResult DoComplete(const LlmRequest& request, const StreamObserver& observer) override {
    const std::string key = RequestKey(request);
    const CassetteEntry* entry = nullptr;
    std::string warning;
    if (auto it = by_key_.find(key); it != by_key_.end()) {
      size_t& next = cursor_[key];
      entry = &cassette_.entries()[it->second[std::min(next, it->second.size() - 1)]];
      ++next;
    } else if (replay_.match_tag_on_miss && !request.tag.stage.empty()) {
      for (const auto& e : cassette_.entries()) {
        if (e.tag.stage == request.tag.stage && e.tag.attempt == request.tag.attempt) entry = &e;
      }
      if (entry) {
        warning = "replay: request changed since recording; served " + cassette_.path() + ":" +
                  std::to_string(entry->line) + " by stage " + request.tag.stage + " attempt " +
                  std::to_string(request.tag.attempt);
        options_.warn(warning);
      }
    }
    if (!entry) {
      LlmResult miss;
      miss.provider = "replay";
      miss.request_key = key;
      miss.error = Error{kEnvMisconfigured,
                         "replay: no recorded response in " + cassette_.path() + " (" +
                             std::to_string(cassette_.entries().size()) + " entries) for request " +
                             key.substr(0, 12) + " [" + DescribeRequest(request) +
                             "]; record it first with --record, or check that prompt and sampling match the recording"};
      return miss;
    }
    LlmResult r = entry->result;
    r.replayed = true;
    r.request_key = key;
    if (!warning.empty()) r.warnings.push_back(warning);
    if (request.stream && observer.on_text) observer.on_text(r.text);
    return r;
  }

 private:
  Cassette cassette_;
  BackendOptions options_;
  ReplayOptions replay_;
  std::map<std::string, std::vector<size_t>> by_key_;
  std::map<std::string, size_t> cursor_;
};

/// Appends every answered request of the wrapped backend to a cassette.
class RecordingBackend final : public LlmBackend {
 public:
  RecordingBackend(std::unique_ptr<LlmBackend> inner, ModelSpec spec, CassetteWriter writer)
      : inner_(std::move(inner)), spec_(std::move(spec)), writer_(std::move(writer)) {}

  Result<PingInfo> Ping() override { return inner_->Ping(); }
  std::string Describe() const override { return inner_->Describe() + " (recording to " + writer_.path() + ")"; }

 protected:
  LlmResult DoComplete(const LlmRequest& request, const StreamObserver& observer) override {
    LlmResult r = inner_->Complete(request, observer);
    // Transport failures say nothing about the model; replaying them would only replay an outage.
    if (r.error && util::StartsWith(r.error->code, "transport.") && r.error->code != kTransportContextTruncated) {
      return r;
    }
    auto written = writer_.Append(spec_, request, r, {spec_.api_key});
    if (!written) r.warnings.push_back("not recorded: " + written.error().message);
    return r;
  }

 private:
  std::unique_ptr<LlmBackend> inner_;
  ModelSpec spec_;
  CassetteWriter writer_;
};

}  // namespace

Result<std::unique_ptr<LlmBackend>> MakeReplayBackend(const std::string& path, BackendOptions options,
                                                      ReplayOptions replay) {
  auto cassette = Cassette::Load(path);
  if (!cassette) return cassette.error();
  return std::unique_ptr<LlmBackend>(
      std::make_unique<ReplayBackend>(std::move(*cassette), std::move(options), std::move(replay)));
}

Result<std::unique_ptr<LlmBackend>> WithRecording(std::unique_ptr<LlmBackend> inner, const ModelSpec& spec,
                                                  const std::string& path) {
  auto writer = CassetteWriter::Open(path);
  if (!writer) return writer.error();
  return std::unique_ptr<LlmBackend>(std::make_unique<RecordingBackend>(std::move(inner), spec, std::move(*writer)));
}

}  // namespace autopilot::llm
