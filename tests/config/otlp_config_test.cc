// The otlp: section of the project file (live OTLP export during run and sweep).
#include <gtest/gtest.h>

#include "autopilot/config/project_config.h"

namespace autopilot::config {
namespace {

TEST(OtlpConfig, ReadsEndpointHeadersAndContent) {
  auto cfg = ParseProjectConfig(R"(version: 1
otlp:
  endpoint: http://127.0.0.1:4318
  headers: ["Authorization=Basic ${LANGFUSE_BASIC}", "x-langfuse-ingestion-version=4"]
  include_content: true
)",
                                "p.yaml", "/p");
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_TRUE(cfg->otlp.present);
  EXPECT_EQ(cfg->otlp.source, "p.yaml:3");
  EXPECT_EQ(cfg->otlp.endpoint, "http://127.0.0.1:4318");
  ASSERT_EQ(cfg->otlp.headers.size(), 2u);
  EXPECT_EQ(cfg->otlp.headers[0], "Authorization=Basic ${LANGFUSE_BASIC}") << "expanded at export time, not here";
  EXPECT_TRUE(cfg->otlp.include_content);
}

TEST(OtlpConfig, AbsentMeansNoExport) {
  auto cfg = ParseProjectConfig("version: 1\n", "p.yaml", "/p");
  ASSERT_TRUE(cfg.ok());
  EXPECT_FALSE(cfg->otlp.present);
  EXPECT_FALSE(cfg->otlp.include_content);
}

TEST(OtlpConfig, UnknownKeysMissingEndpointAndBadValuesAreErrorsWithPositions) {
  auto unknown = ParseProjectConfig("version: 1\notlp:\n  endpoint: http://h:4318\n  header: [a=b]\n", "p.yaml", "/p");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("p.yaml:4:3: 'otlp.header': unknown setting"), std::string::npos)
      << unknown.error().message;
  auto no_endpoint = ParseProjectConfig("version: 1\notlp:\n  include_content: true\n", "p.yaml", "/p");
  ASSERT_FALSE(no_endpoint.ok());
  EXPECT_NE(no_endpoint.error().message.find("otlp.endpoint"), std::string::npos) << no_endpoint.error().message;
  auto scheme = ParseProjectConfig("version: 1\notlp:\n  endpoint: localhost:4318\n", "p.yaml", "/p");
  ASSERT_FALSE(scheme.ok());
  EXPECT_NE(scheme.error().message.find("http:// or https://"), std::string::npos);
  auto header = ParseProjectConfig("version: 1\notlp:\n  endpoint: http://h\n  headers: [novalue]\n", "p.yaml", "/p");
  ASSERT_FALSE(header.ok());
  EXPECT_NE(header.error().message.find("KEY=VALUE"), std::string::npos);
  auto type = ParseProjectConfig("version: 1\notlp:\n  endpoint: http://h\n  include_content: maybe\n", "p.yaml", "/p");
  EXPECT_FALSE(type.ok());
}

}  // namespace
}  // namespace autopilot::config
