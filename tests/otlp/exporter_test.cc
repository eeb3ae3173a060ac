#include "autopilot/otlp/exporter.h"

#include <gtest/gtest.h>
#include <stdlib.h>

namespace autopilot::otlp {
namespace {

TEST(OtlpExporter, TracesUrlAppendsThePathOnce) {
  EXPECT_EQ(TracesUrl("http://127.0.0.1:4318"), "http://127.0.0.1:4318/v1/traces");
  EXPECT_EQ(TracesUrl("https://cloud.example/api/public/otel/"), "https://cloud.example/api/public/otel/v1/traces");
  EXPECT_EQ(TracesUrl("http://h:4318/v1/traces"), "http://h:4318/v1/traces");
}

TEST(OtlpExporter, RedactedUrlDropsUserinfo) {
  EXPECT_EQ(RedactedUrl("https://pk:sk@host:1/v1/traces"), "https://host:1/v1/traces");
  EXPECT_EQ(RedactedUrl("http://host/a@b"), "http://host/a@b");
}

TEST(OtlpExporter, HeadersTakeSecretsFromTheEnvironment) {
  ::setenv("AUTOPILOT_TEST_OTLP_AUTH", "cGs6c2s=", 1);
  auto h = ParseHeader("Authorization=Basic ${AUTOPILOT_TEST_OTLP_AUTH}");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->first, "Authorization");
  EXPECT_EQ(h->second, "Basic cGs6c2s=");
  auto plain = ParseHeader("x-langfuse-ingestion-version=4");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->second, "4");
  ::unsetenv("AUTOPILOT_TEST_OTLP_MISSING");
  auto missing = ParseHeader("Authorization=${AUTOPILOT_TEST_OTLP_MISSING}");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("AUTOPILOT_TEST_OTLP_MISSING"), std::string::npos);
  EXPECT_FALSE(ParseHeader("novalue"));
  EXPECT_FALSE(ParseHeader("bad name=x"));
  ::setenv("AUTOPILOT_TEST_OTLP_AUTH", "a\r\nInjected: 1", 1);
  EXPECT_FALSE(ParseHeader("Authorization=${AUTOPILOT_TEST_OTLP_AUTH}")) << "no header injection";
}

}  // namespace
}  // namespace autopilot::otlp
