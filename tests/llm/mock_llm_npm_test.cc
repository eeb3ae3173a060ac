// Our client against an OpenAI-compatible server this project did not write: @dwmkerr/mock-llm
// from the npm registry (installed by scripts/bootstrap under tools/node). Skipped when it is not
// installed.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "autopilot/exec/which.h"
#include "autopilot/llm/openai_backend.h"
#include "autopilot/util/files.h"
#include "test_util.h"

extern char** environ;

namespace autopilot::llm {
namespace {

using testing::Harness;

const std::string kMainJs = std::string(AUTOPILOT_SOURCE_DIR) + "/tools/node/node_modules/@dwmkerr/mock-llm/dist/main.js";

// Rules are evaluated in order and the last match wins.
const char* kConfig = R"yaml(streaming:
  chunkSize: 4
  chunkIntervalMs: 1
rules:
  - path: "/v1/chat/completions"
    method: "POST"
    match: "@"
    response:
      status: 200
      content: |
        {"id": "chatcmpl-{{timestamp}}", "object": "chat.completion", "model": "{{jmes request body.model}}", "choices": [{"index": 0, "message": {"role": "assistant", "content": "{{jmes request body.messages[-1].content}}"}, "finish_reason": "stop"}], "usage": {"prompt_tokens": 12, "completion_tokens": 4, "total_tokens": 16}}
  - path: "/v1/chat/completions"
    match: "contains(body.messages[-1].content, 'quota')"
    response:
      status: 429
      content: |
        {"error": {"message": "You exceeded your current quota, please check your plan.", "type": "insufficient_quota", "param": null, "code": "insufficient_quota"}}
  - path: "/v1/chat/completions"
    match: "contains(body.messages[-1].content, 'overloaded')"
    response:
      status: 503
      content: |
        {"error": {"message": "The engine is currently overloaded", "type": "server_error", "param": null, "code": null}}
  - path: "/v1/models"
    method: "GET"
    response:
      status: 200
      content: |
        {"object": "list", "data": [{"id": "gpt-4", "object": "model", "owned_by": "openai"}]}
)yaml";

/// Runs `node main.js` once for the suite.
class MockLlmNpm : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    node_ = exec::Which("node");
    if (node_.empty() || !util::PathExists(kMainJs)) return;
    auto d = util::MakeTempDir("mock-llm-");
    if (!d) return;
    dir_ = *d;
    const std::string config = dir_ + "/mock-llm.yaml";
    if (!util::WriteFileAtomic(config, kConfig).ok()) return;
    port_ = FreePort();
    std::vector<std::string> env_strings = {"PORT=" + std::to_string(port_), "HOST=127.0.0.1", "PATH=/usr/bin:/bin"};
    std::vector<char*> envp;
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::vector<std::string> args = {node_, kMainJs, "--config", config};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, (dir_ + "/out.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, (dir_ + "/err.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (posix_spawn(&pid_, node_.c_str(), &fa, nullptr, argv.data(), envp.data()) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
    if (pid_ <= 0) return;
    // Ready when /v1/models answers (node takes a moment to start).
    Harness h;
    OpenAiBackend probe(testing::Spec(Provider::kOpenAiCompatible, "gpt-4", Url()), h.Options());
    for (int i = 0; i < 200 && !ready_; ++i) {
      ready_ = probe.Ping().ok();
      if (!ready_) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  static void TearDownTestSuite() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
    }
    if (!dir_.empty()) util::RemoveTree(dir_);
  }

  void SetUp() override {
    if (node_.empty()) GTEST_SKIP() << "node is not installed: run scripts/bootstrap";
    if (!util::PathExists(kMainJs)) {
      GTEST_SKIP() << "@dwmkerr/mock-llm is not installed under tools/node: run scripts/bootstrap "
                      "(needs the npm registry)";
    }
    ASSERT_TRUE(ready_) << "mock-llm did not start on port " << port_ << "; see its log in " << dir_;
  }

  static int FreePort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    const int port = ntohs(a.sin_port);
    ::close(fd);
    return port;
  }

  static std::string Url() { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }

  std::unique_ptr<OpenAiBackend> Backend(const std::string& model = "gpt-4") {
    return std::make_unique<OpenAiBackend>(testing::Spec(Provider::kOpenAiCompatible, model, Url()), h_.Options());
  }

  Harness h_;
  static inline std::string node_;
  static inline std::string dir_;
  static inline int port_ = 0;
  static inline pid_t pid_ = -1;
  static inline bool ready_ = false;
};

TEST_F(MockLlmNpm, NonStreamingEcho) {
  LlmResult r = Backend()->Complete(testing::UserRequest("blink the built-in LED"));
  ASSERT_TRUE(r.ok()) << r.error->message;
  EXPECT_EQ(r.text, "blink the built-in LED");
  EXPECT_EQ(r.finish_reason, "stop");
  EXPECT_EQ(r.model, "gpt-4");
  EXPECT_EQ(r.usage.input_tokens, 12);
  EXPECT_EQ(r.http_status, 200);
}

TEST_F(MockLlmNpm, StreamingEchoInSmallChunks) {
  std::string seen;
  StreamObserver obs;
  obs.on_text = [&](std::string_view p) { seen.append(p); };
  LlmResult r = Backend()->Complete(testing::UserRequest("read the APDS9960 colour sensor", true), obs);
  ASSERT_TRUE(r.ok()) << r.error->message;
  EXPECT_EQ(r.text, "read the APDS9960 colour sensor");
  EXPECT_EQ(seen, r.text);
  EXPECT_EQ(r.finish_reason, "stop");
  ASSERT_TRUE(r.timing.ttft_s.has_value());
}

TEST_F(MockLlmNpm, QuotaIsFatalAndOverloadIsRetried) {
  LlmResult quota = Backend()->Complete(testing::UserRequest("quota please"));
  ASSERT_FALSE(quota.ok());
  EXPECT_EQ(quota.error->code, kTransportQuotaExhausted);
  EXPECT_TRUE(h_.sleeps.empty());
  LlmResult busy = Backend()->Complete(testing::UserRequest("overloaded"));
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.error->code, kTransportServerError);
  EXPECT_EQ(busy.transport_retries, 3);
  EXPECT_EQ(h_.sleeps.size(), 3u);
}

TEST_F(MockLlmNpm, PingSeesTheModelList) {
  auto ok = Backend("gpt-4")->Ping();
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_TRUE(ok->model_found);
  auto missing = Backend("gpt-4o")->Ping();
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->model_found);
}

}  // namespace
}  // namespace autopilot::llm
