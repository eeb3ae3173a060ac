// autopilot serve and export otlp on a synthetic store of 100 000 attempts (issue 18: a cell page
// in at most 300 ms of server time), against a COUNT(*) over the attempts measured in the same run
// on the same store; and OTLP export throughput (spans/s) to a loopback sink, against building the
// same payloads without sending them.
//
//   bench_serve [--attempts N] [--reps N] [--keep DIR]

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "autopilot/llm/http_client.h"
#include "autopilot/otlp/exporter.h"
#include "autopilot/serve/server.h"
#include "autopilot/serve/store_view.h"
#include "autopilot/store/run_store.h"
#include "autopilot/util/files.h"

namespace {

using namespace autopilot;
using Clock = std::chrono::steady_clock;

const char* const kModels[] = {"gpt-4o", "gpt-4o-mini", "qwen2.5-coder:32b", "llama3.1:8b"};
const char* const kFormats[] = {"json", "markdown", "prose", "minimal", "outline"};
const char* const kStages[] = {"dp", "mc", "sg"};
const char* const kPresets[] = {"default", "deterministic"};
const char* const kCodes[] = {"build.undeclared", "format.no_code", "runtime.import", "semantic.wrong_input",
                              "ml.dtype_mismatch", "static.structure"};
constexpr int kCells = 4 * 5 * 3 * 2;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Median(std::vector<double> v) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

struct Plan {
  int64_t runs = 0, attempts = 0, largest_cell_runs = 0, sample_run = 0;
};

/// Runs go round-robin over the 120 cells, 1..5 attempts each (3 on average), until `target`
/// attempts exist. Every attempt has an LLM call, two or three layer verdicts and its code.
Result<Plan> BuildStore(const std::string& path, int64_t target) {
  auto s = store::RunStore::Open(path);
  if (!s) return s.error();
  auto& db = s->db();
  Plan plan;
  auto body = [&]() -> Result<void> {
    auto run = db.Prepare(
        "INSERT INTO runs(run_key, sweep, stage, model, format, preset, repetition, status, code, started_at,"
        " finished_at) VALUES (?,'bench',?,?,?,?,?,?,?,'2026-01-01T00:00:00.000Z','2026-01-01T00:01:00.000Z')");
    auto att = db.Prepare(
        "INSERT INTO attempts(run_id, stage, number, status, code, started_at, finished_at, wall_ms)"
        " VALUES (?,?,?,?,?,'2026-01-01T00:00:00.000Z','2026-01-01T00:00:10.000Z',?)");
    auto call = db.Prepare(
        "INSERT INTO llm_calls(attempt_id, provider, model, request_json, text, finish_reason, input_tokens,"
        " output_tokens, total_ms, cost_usd, created_at) VALUES (?,'openai',?,?,?,'stop',1200,600,1500,0.004,"
        "'2026-01-01T00:00:02.000Z')");
    auto val = db.Prepare(
        "INSERT INTO validations(attempt_id, layer, passed, code, message, file, line, duration_ms, created_at)"
        " VALUES (?,?,?,?,?,'sketch.ino',?,20,'2026-01-01T00:00:05.000Z')");
    auto art = db.Prepare(
        "INSERT INTO artifacts(run_id, attempt_id, kind, name, sha256, size_bytes, content, created_at)"
        " VALUES (?,?,'code',?,'0',?,?,'2026-01-01T00:00:05.000Z')");
    if (!run || !att || !call || !val || !art) return Error{"store", sqlite3_errmsg(db.handle())};
    std::vector<int64_t> cell_runs(kCells, 0);
    for (int64_t r = 0; plan.attempts < target; ++r) {
      const int cell = static_cast<int>(r % kCells);
      const int m = cell / 30, f = (cell / 6) % 5, st = (cell / 2) % 3, p = cell % 2;
      const int n = static_cast<int>(std::min<int64_t>(1 + (r * 7 + cell) % 5, target - plan.attempts));
      const bool passed = (r + m) % 3 != 0;
      const std::string stage = kStages[st];
      run->Reset().Bind(1, "bench|" + stage + "|" + kModels[m] + "|" + kFormats[f] + "|" + kPresets[p] + "|" + std::to_string(r));
      run->Bind(2, stage).Bind(3, kModels[m]).Bind(4, kFormats[f]).Bind(5, kPresets[p]).Bind(6, r);
      run->Bind(7, passed ? "passed" : "failed");
      if (!passed) run->Bind(8, kCodes[r % 6]);
      if (auto e = run->Run(); !e) return e;
      const int64_t run_id = db.LastInsertId();
      ++cell_runs[static_cast<size_t>(cell)];
      if (n == 5 && plan.sample_run == 0) plan.sample_run = run_id;
      for (int a = 1; a <= n; ++a) {
        const bool ok = passed && a == n;
        const std::string code = ok ? "" : kCodes[(r + a) % 6];
        att->Reset().Bind(1, run_id).Bind(2, stage).Bind(3, a).Bind(4, ok ? "passed" : "failed").Bind(6, 2000 + 50 * a);
        if (!ok) att->Bind(5, code);
        if (auto e = att->Run(); !e) return e;
        const int64_t attempt_id = db.LastInsertId();
        std::string sketch;
        for (int line = 0; line < 40; ++line) sketch += "  int v" + std::to_string(line) + " = read(" + std::to_string(a * line) + ");\n";
        call->Reset().Bind(1, attempt_id).Bind(2, kModels[m]);
        call->Bind(3, R"({"system":"You write Arduino sketches.","user":"Write the sketch for the model."})");
        call->Bind(4, "```cpp\n" + sketch + "```\n");
        if (auto e = call->Run(); !e) return e;
        const char* layers[] = {"format", "static", "build"};
        for (int l = 0; l < (ok ? 3 : 1 + a % 3); ++l) {
          const bool last_fails = !ok && l == (a % 3);
          val->Reset().Bind(1, attempt_id).Bind(2, layers[l]).Bind(3, last_fails ? 0 : 1);
          if (last_fails) val->Bind(4, code).Bind(5, "synthetic failure").Bind(6, 3 + a);
          if (auto e = val->Run(); !e) return e;
        }
        art->Reset().Bind(1, run_id).Bind(2, attempt_id).Bind(3, stage + "_attempt" + std::to_string(a));
        art->Bind(4, static_cast<int64_t>(sketch.size())).BindBlob(5, sketch);
        if (auto e = art->Run(); !e) return e;
        ++plan.attempts;
      }
      ++plan.runs;
    }
    plan.largest_cell_runs = *std::max_element(cell_runs.begin(), cell_runs.end());
    return Ok();
  };
  if (auto r = s->InTransaction(body); !r) return r.error();
  if (auto r = db.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); !r) return r.error();
  return plan;
}

/// A minimal OTLP/HTTP sink on loopback: reads each request (Content-Length) and answers 200 {}.
class Sink {
 public:
  Sink() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    ::listen(fd_, 4);
    thread_ = std::thread([this] { Loop(); });
  }
  ~Sink() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  int port() const { return port_; }
  int64_t bytes() const { return bytes_; }

 private:
  void Loop() {
    while (!stop_) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string buf;
      char chunk[65536];
      size_t scanned = 0;  // how far the header search got (bodies are large: never rescan them)
      size_t head = std::string::npos, length = 0;
      while (!stop_) {
        if (head == std::string::npos) {
          head = buf.find("\r\n\r\n", scanned);
          scanned = buf.size() < 3 ? 0 : buf.size() - 3;
          if (head != std::string::npos) {
            std::string lower = buf.substr(0, head);
            std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
            auto at = lower.find("content-length:");
            length = at == std::string::npos ? 0 : std::stoul(lower.substr(at + 15));
          }
        }
        if (head != std::string::npos && buf.size() >= head + 4 + length) {
          bytes_ += static_cast<int64_t>(length);
          buf.erase(0, head + 4 + length);
          head = std::string::npos;
          scanned = 0;
          const char reply[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
          if (::send(c, reply, sizeof reply - 1, MSG_NOSIGNAL) < 0) break;
          continue;
        }
        ssize_t n = ::recv(c, chunk, sizeof chunk, 0);
        if (n <= 0) break;
        buf.append(chunk, static_cast<size_t>(n));
      }
      ::close(c);
    }
  }
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> bytes_{0};
  std::thread thread_;
};

/// Median server time (Server-Timing) and client wall time of GET `url`.
std::pair<double, double> TimeGet(llm::HttpClient& http, const std::string& url, int reps, size_t* body_bytes) {
  std::vector<double> server, wall;
  for (int i = 0; i < reps; ++i) {
    llm::HttpRequest req;
    req.method = "GET";
    req.url = url;
    auto t0 = Clock::now();
    auto res = http.Perform(req);
    wall.push_back(Ms(Clock::now() - t0));
    if (res.status != 200) {
      std::fprintf(stderr, "serve_bench: %s answered %d: %s\n", url.c_str(), res.status, res.body.substr(0, 200).c_str());
      return {-1, -1};
    }
    const std::string timing = llm::HeaderValue(res.headers, "server-timing");
    server.push_back(std::atof(timing.c_str() + timing.find("dur=") + 4));
    *body_bytes = res.body.size();
  }
  return {Median(server), Median(wall)};
}

}  // namespace

int main(int argc, char** argv) {
  int64_t wanted = 100000;
  int reps = 5;
  std::string keep;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--attempts")) wanted = std::atoll(argv[i + 1]);
    if (!std::strcmp(argv[i], "--reps")) reps = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--keep")) keep = argv[i + 1];
  }
  auto dir = keep.empty() ? util::MakeTempDir("ap-serve-bench-") : Result<std::string>(keep);
  if (!dir) return 1;
  const std::string path = *dir + "/runs.db";
  std::filesystem::remove(path);
  auto t0 = Clock::now();
  auto plan = BuildStore(path, wanted);
  if (!plan) {
    std::fprintf(stderr, "serve_bench: %s\n", plan.error().message.c_str());
    return 1;
  }
  std::printf("store: %lld runs, %lld attempts, 120 cells (largest %lld runs), built in %.1f s\n",
              static_cast<long long>(plan->runs), static_cast<long long>(plan->attempts),
              static_cast<long long>(plan->largest_cell_runs), Ms(Clock::now() - t0) / 1000);

  // Baseline: COUNT(*) over the attempts, on a fresh read-only connection like the server's.
  std::vector<double> base;
  for (int i = 0; i < reps; ++i) {
    auto t = Clock::now();
    auto v = serve::StoreView::Open(path);
    if (!v || !v->db().QueryInt("SELECT COUNT(*) FROM attempts")) return 1;
    base.push_back(Ms(Clock::now() - t));
  }
  const double baseline = Median(base);
  std::printf("baseline COUNT(*) over attempts (open + query): %.2f ms\n", baseline);

  serve::ServeOptions so;
  so.store = path;
  so.port = 0;
  so.assets_dir = util::DataPath("web/serve");
  auto server = serve::Server::Bind(so);
  if (!server) {
    std::fprintf(stderr, "serve_bench: %s\n", server.error().message.c_str());
    return 1;
  }
  std::thread serving([&] { (void)(*server)->Run(); });
  llm::HttpClient http;
  const std::string base_url = (*server)->Url();
  bool over = false;
  auto page = [&](const char* label, const std::string& rel, bool is_cell) {
    size_t bytes = 0;
    auto [server_ms, wall_ms] = TimeGet(http, base_url + rel, reps, &bytes);
    std::printf("%-34s server %8.2f ms  wall %8.2f ms  (%6.1fx baseline, %zu bytes)%s\n", label, server_ms, wall_ms,
                server_ms / baseline, bytes, is_cell && server_ms > 300 ? "  OVER 300 ms" : "");
    if (is_cell && (server_ms > 300 || server_ms < 0)) over = true;
  };
  page("page (index.html)", "", false);
  page("summary: all cells", "api/summary", false);
  page("summary: filter taxonomy id", "api/summary?code=semantic.wrong_input", false);
  page("cell page (200 runs)", "api/cell?model=gpt-4o&format=json&stage=dp&preset=default", true);
  page("cell page, filter taxonomy id", "api/cell?model=gpt-4o&format=json&stage=dp&preset=default&code=build.undeclared", true);
  page("cell page, last page", "api/cell?model=gpt-4o&format=json&stage=dp&preset=default&offset=200", true);
  page("run page (5 attempts, diffs)", "api/run/" + std::to_string(plan->sample_run), false);
  page("progress", "api/progress", false);
  (*server)->Stop();
  serving.join();

  // The same cell page on a store without migration 2's indexes (what they buy).
  {
    const std::string plain = *dir + "/no-indexes.db";
    std::filesystem::copy_file(path, plain, std::filesystem::copy_options::overwrite_existing);
    auto db = store::Database::Open(plain, false);
    if (!db || !db->Exec("DROP INDEX runs_cell; DROP INDEX runs_sweep; DROP INDEX runs_status; DROP INDEX runs_code;"
                         " DROP INDEX attempts_code; DROP INDEX validations_code; DROP INDEX artifacts_attempt")) {
      return 1;
    }
    std::vector<double> t;
    for (int i = 0; i < reps; ++i) {
      auto t1 = Clock::now();
      auto v = serve::StoreView::Open(plain);
      if (!v || !v->Cell({"gpt-4o", "json", "dp", "default", "", 0, 200})) return 1;
      t.push_back(Ms(Clock::now() - t1));
    }
    std::printf("cell page without the viewer indexes: %.2f ms (%.1fx baseline)\n", Median(t), Median(t) / baseline);
  }

  // Export throughput: every run of the store as OTLP JSON to a loopback sink, against building
  // (and serialising) the same spans without sending them.
  auto db = store::Database::OpenReadOnly(path);
  if (!db) return 1;
  std::vector<int64_t> ids;
  for (int64_t i = 1; i <= plan->runs; ++i) ids.push_back(i);
  auto tb = Clock::now();
  int64_t built_spans = 0;
  {
    otlp::TraceBatch batch;
    for (int64_t id : ids) {
      if (!otlp::AppendRunSpans(*db, id, {}, exec::ProcessRedactor(), &batch)) return 1;
      if (batch.spans.size() >= 2000) {
        built_spans += static_cast<int64_t>(batch.spans.size());
        (void)otlp::ExportBody(batch.spans, {});
        batch.spans = nlohmann::json::array();
      }
    }
    built_spans += static_cast<int64_t>(batch.spans.size());
    (void)otlp::ExportBody(batch.spans, {});
  }
  const double build_s = Ms(Clock::now() - tb) / 1000;
  Sink sink;
  otlp::ExportTarget target;
  target.endpoint = "http://127.0.0.1:" + std::to_string(sink.port());
  auto sent = otlp::ExportRuns(*db, ids, target);
  if (!sent) {
    std::fprintf(stderr, "serve_bench: export: %s\n", sent.error().message.c_str());
    return 1;
  }
  std::printf("build OTLP JSON only: %lld spans in %.2f s = %.0f spans/s\n", static_cast<long long>(built_spans), build_s,
              static_cast<double>(built_spans) / build_s);
  std::printf("export otlp to loopback sink: %lld runs, %lld spans, %lld requests, %.1f MB in %.2f s = %.0f spans/s (%.2fx build-only time)\n",
              static_cast<long long>(sent->runs), static_cast<long long>(sent->spans), static_cast<long long>(sent->requests),
              static_cast<double>(sink.bytes()) / 1e6, sent->seconds, static_cast<double>(sent->spans) / sent->seconds,
              sent->seconds / build_s);
  if (keep.empty()) std::filesystem::remove_all(*dir);
  std::printf(over ? "cell page: OVER the 300 ms target\n" : "cell page: within the 300 ms target\n");
  return over ? 1 : 0;
}
