#include "autopilot/doctor/doctor.h"

#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <thread>


namespace autopilot::doctor {
namespace {

/// Answers version probes from a table instead of running anything.
class FakeRunner : public exec::ProcessRunner {
 public:
  std::map<std::string, exec::ProcessResult> by_program;
  std::vector<std::vector<std::string>> calls;
  Result<exec::ProcessResult> Run(const exec::ProcessRequest& r) override {
    calls.push_back(r.argv);
    std::string base = r.argv[0].substr(r.argv[0].rfind('/') + 1);
    auto it = by_program.find(base);
    if (it != by_program.end()) return it->second;
    exec::ProcessResult missing;
    missing.exit_code = 127;
    missing.stderr_data = base + ": not installed\n";
    return missing;
  }
};

exec::ProcessResult Out(const std::string& text, int code = 0) {
  exec::ProcessResult r;
  r.exit_code = code;
  r.stdout_data = text;
  return r;
}

const CheckResult& Find(const std::vector<CheckResult>& checks, const std::string& name) {
  auto it = std::find_if(checks.begin(), checks.end(),
                         [&](const CheckResult& c) { return c.name == name; });
  EXPECT_NE(it, checks.end()) << name;
  static CheckResult none;
  return it == checks.end() ? none : *it;
}

DoctorOptions Opts() {
  DoctorOptions o;
  o.cxx = "/bin/sh";  // any executable: the fake runner answers for it
  o.python = "/bin/sh";
  o.ollama_host = "http://127.0.0.1:1";
  o.probe_timeout_s = 2;
  return o;
}

TEST(Doctor, ReportsVersionsAndRequiredness) {
  FakeRunner fake;
  fake.by_program["sh"] = Out("g++ (Debian 12.2.0-14) 12.2.0\n");
  auto checks = RunDoctor(Opts(), &fake);
  const auto& cxx = Find(checks, "C++ compiler");
  EXPECT_TRUE(cxx.found);
  EXPECT_TRUE(cxx.required);
  EXPECT_EQ(cxx.version, "12.2.0-14");
  EXPECT_FALSE(cxx.needed_by.empty());
}

TEST(Doctor, PythonModulesAreParsedFromTheProbe) {
  FakeRunner fake;
  // The same fake answers `--version` and the module probe; the probe output is JSON.
  fake.by_program["sh"] = Out(
      R"({"numpy": {"found": true, "version": "1.24.2"}, "pandas": {"found": true, "version": "1.5.3"},
          "sklearn": {"found": false, "error": "ModuleNotFoundError: x"},
          "flatbuffers": {"found": true, "version": "2.0.8"},
          "tensorflow": {"found": false, "error": "ModuleNotFoundError: No module named 'tensorflow'"}})");
  auto checks = RunDoctor(Opts(), &fake);
  EXPECT_TRUE(Find(checks, "python3: numpy").found);
  EXPECT_EQ(Find(checks, "python3: numpy").version, "1.24.2");
  EXPECT_FALSE(Find(checks, "python3: sklearn").found);
  const auto& tf = Find(checks, "python3: tensorflow");
  EXPECT_FALSE(tf.found);
  EXPECT_NE(tf.detail.find("portable"), std::string::npos);
}

TEST(Doctor, MissingInterpreterMarksModulesMissing) {
  FakeRunner fake;
  auto o = Opts();
  o.python = "/nonexistent/python3";
  auto checks = RunDoctor(o, &fake);
  EXPECT_FALSE(Find(checks, "python3").found);
  EXPECT_TRUE(Find(checks, "python3").required);
  EXPECT_FALSE(Find(checks, "python3: numpy").found);
  EXPECT_NE(Find(checks, "python3: numpy").detail.find("/nonexistent/python3"), std::string::npos);
}

TEST(Doctor, ApiKeyPresenceIsReportedButNeverItsValue) {
  ::setenv("OPENAI_API_KEY", "sk-doctor-test-secret", 1);
  ::setenv("OPENAI_BASE_URL", "https://user:pw@proxy.example/v1", 1);
  FakeRunner fake;
  auto checks = RunDoctor(Opts(), &fake);
  ::unsetenv("OPENAI_API_KEY");
  ::unsetenv("OPENAI_BASE_URL");
  const auto& key = Find(checks, "OPENAI_API_KEY");
  EXPECT_TRUE(key.found);
  for (const auto& c : checks) {
    EXPECT_EQ(c.detail.find("sk-doctor"), std::string::npos);
    EXPECT_EQ(c.detail.find("user:pw"), std::string::npos);
  }
  auto unset = RunDoctor(Opts(), &fake);
  EXPECT_FALSE(Find(unset, "OPENAI_API_KEY").found);
}

TEST(Doctor, OllamaUnreachableIsMissingWithTheHost) {
  FakeRunner fake;
  auto checks = RunDoctor(Opts(), &fake);
  const auto& o = Find(checks, "ollama");
  EXPECT_FALSE(o.found);
  EXPECT_NE(o.detail.find("127.0.0.1:1"), std::string::npos);
}

TEST(Doctor, OllamaVersionIsReadFromTheApi) {
  // A one-shot HTTP server on loopback answering /api/version as Ollama does.
  int srv = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(srv, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::bind(srv, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(srv, 4), 0);
  ASSERT_EQ(::getsockname(srv, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  std::string request;
  std::thread server([&] {
    int c = ::accept(srv, nullptr, nullptr);
    if (c < 0) return;
    char buf[4096];
    while (request.find("\r\n\r\n") == std::string::npos) {
      ssize_t n = ::read(c, buf, sizeof buf);
      if (n <= 0) break;
      request.append(buf, static_cast<size_t>(n));
    }
    std::string body = R"({"version":"0.12.3"})";
    std::string resp = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    (void)!::write(c, resp.data(), resp.size());
    ::close(c);
  });
  FakeRunner fake;
  auto o = Opts();
  o.ollama_host = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));  // scheme added by doctor
  auto checks = RunDoctor(o, &fake);
  server.join();
  ::close(srv);
  const auto& ollama = Find(checks, "ollama");
  EXPECT_TRUE(ollama.found) << ollama.detail;
  EXPECT_EQ(ollama.version, "0.12.3");
  EXPECT_EQ(request.rfind("GET /api/version HTTP/1.1", 0), 0u) << request;
}

}  // namespace
}  // namespace autopilot::doctor
