#include "autopilot/exec/env_filter.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace autopilot::exec {
namespace {

bool Has(const std::vector<std::string>& env, const std::string& entry) {
  return std::find(env.begin(), env.end(), entry) != env.end();
}

TEST(EnvFilter, RecognisesSecretNames) {
  for (const char* n : {"OPENAI_API_KEY", "openai_api_key", "AWS_SECRET_ACCESS_KEY", "GH_TOKEN",
                        "HF_TOKEN_PATH", "DB_PASSWORD", "MY_SECRET", "SECRETS", "API_KEY_FILE",
                        "GOOGLE_APPLICATION_CREDENTIALS", "ANTHROPIC_APIKEY", "GITLAB_PAT"}) {
    EXPECT_TRUE(IsSecretName(n)) << n;
  }
  for (const char* n : {"PATH", "HOME", "LANG", "KEYBOARD", "TOKENIZERS_PARALLELISM", "LC_ALL"}) {
    EXPECT_FALSE(IsSecretName(n)) << n;
  }
}

TEST(EnvFilter, AllowListKeepsOnlyKnownNamesAndPointsHomeAtTheWorkdir) {
  std::vector<std::string> parent = {"PATH=/usr/bin", "LANG=C.UTF-8", "LC_ALL=C", "HOME=/root",
                                     "OPENAI_API_KEY=sk-x", "EDITOR=vim", "TZ=UTC"};
  auto env = BuildChildEnv(parent, "/tmp/w", false, {});
  EXPECT_TRUE(Has(env, "PATH=/usr/bin"));
  EXPECT_TRUE(Has(env, "LANG=C.UTF-8"));
  EXPECT_TRUE(Has(env, "LC_ALL=C"));
  EXPECT_TRUE(Has(env, "TZ=UTC"));
  EXPECT_TRUE(Has(env, "HOME=/tmp/w"));
  EXPECT_TRUE(Has(env, "TMPDIR=/tmp/w"));
  EXPECT_FALSE(Has(env, "EDITOR=vim"));
  for (const auto& e : env) EXPECT_EQ(e.find("sk-x"), std::string::npos);
}

TEST(EnvFilter, InheritModeKeepsEverythingButSecrets) {
  std::vector<std::string> parent = {"PATH=/bin", "EDITOR=vim", "SESSION_TOKEN=abc", "HOME=/root"};
  auto env = BuildChildEnv(parent, "/w", true, {});
  EXPECT_TRUE(Has(env, "EDITOR=vim"));
  EXPECT_TRUE(Has(env, "HOME=/root"));
  EXPECT_FALSE(Has(env, "SESSION_TOKEN=abc"));
}

TEST(EnvFilter, ExtrasAreAddedButSecretExtrasRefused) {
  auto env = BuildChildEnv({}, "/w", false, {"STAGE=mc", "X_TOKEN=t", "malformed"});
  EXPECT_TRUE(Has(env, "STAGE=mc"));
  EXPECT_FALSE(Has(env, "X_TOKEN=t"));
  EXPECT_TRUE(Has(env, "PATH=/usr/local/bin:/usr/bin:/bin"));  // default when the parent has none
}

}  // namespace
}  // namespace autopilot::exec
