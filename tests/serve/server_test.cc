#include "autopilot/serve/server.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "autopilot/llm/http_client.h"
#include "viewer_store.h"

namespace autopilot::serve {
namespace {

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("serve-http-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    options_.store = (dir_ / "runs.db").string();
    options_.assets_dir = std::string(AUTOPILOT_SOURCE_DIR) + "/web/serve";
    options_.port = 0;
    ASSERT_EQ(testing::WriteViewerStore(options_.store), "");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  llm::HttpResponse Get(const std::string& url, std::vector<std::pair<std::string, std::string>> headers = {},
                        const std::string& method = "GET") {
    llm::HttpRequest req;
    req.method = method;
    req.url = url;
    req.headers = std::move(headers);
    req.limits.deadline_s = 10;
    return http_.Perform(req);
  }

  std::filesystem::path dir_;
  ServeOptions options_;
  llm::HttpClient http_;
};

TEST(ServeHosts, OnlyLoopbackAddressesAreLoopback) {
  EXPECT_TRUE(IsLoopbackHost("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackHost("127.1.2.3"));
  EXPECT_TRUE(IsLoopbackHost("::1"));
  EXPECT_TRUE(IsLoopbackHost("localhost"));
  EXPECT_FALSE(IsLoopbackHost("0.0.0.0"));
  EXPECT_FALSE(IsLoopbackHost("192.168.1.10"));
  EXPECT_FALSE(IsLoopbackHost("::"));
  EXPECT_FALSE(IsLoopbackHost("example.com"));
}

TEST_F(ServerTest, ANonLoopbackHostNeedsAllowRemote) {
  options_.host = "0.0.0.0";
  auto refused = Server::Bind(options_);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "usage");
  EXPECT_NE(refused.error().message.find("--allow-remote"), std::string::npos);
}

TEST_F(ServerTest, ServesThePageAndTheApiReadOnlyWithAStrictPolicy) {
  auto server = Server::Bind(options_);
  ASSERT_TRUE(server) << server.error().message;
  std::thread t([&] { (void)(*server)->Run(); });
  const std::string base = (*server)->Url();
  auto page = Get(base);
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("/assets/app.js"), std::string::npos);
  EXPECT_NE(llm::HeaderValue(page.headers, "content-security-policy").find("script-src 'self'"), std::string::npos);
  auto js = Get(base + "assets/app.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.body.find("innerHTML"), std::string::npos) << "the page builds text nodes only";

  auto run = Get(base + "api/run/1");
  ASSERT_EQ(run.status, 200) << run.body;
  auto doc = nlohmann::json::parse(run.body);
  EXPECT_EQ(doc["attempts"].size(), 2u);
  EXPECT_NE(llm::HeaderValue(run.headers, "server-timing").find("app;dur="), std::string::npos);
  EXPECT_EQ(Get(base + "api/run/42").status, 404);
  auto cell = Get(base + "api/cell?model=replay%3Am1&format=json&stage=sg&preset=deterministic");
  ASSERT_EQ(cell.status, 200);
  EXPECT_EQ(nlohmann::json::parse(cell.body)["runs"].size(), 1u);

  // Only GET; and requests addressed to another host name (DNS rebinding) are refused.
  EXPECT_EQ(Get(base + "api/run/1", {{"Host", "attacker.example:80"}}).status, 403);
  EXPECT_EQ(Get(base + "api/summary", {{"Host", "localhost:1234"}}).status, 200);
  EXPECT_EQ(Get(base + "api/run/1", {}, "POST").status, 405);
  (*server)->Stop();
  t.join();
}

TEST_F(ServerTest, MissingAssetsOrStoreFailBeforeListening) {
  ServeOptions no_assets = options_;
  no_assets.assets_dir = (dir_ / "nothing").string();
  auto a = Server::Bind(no_assets);
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().message.find("index.html"), std::string::npos);
  ServeOptions no_store = options_;
  no_store.store = (dir_ / "missing.db").string();
  auto s = Server::Bind(no_store);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("missing.db"), std::string::npos);
}

}  // namespace
}  // namespace autopilot::serve
