// Prices from pricing.yaml and the cost of a call.

#include "autopilot/llm/pricing.h"

#include <gtest/gtest.h>

namespace autopilot::llm {
namespace {

TEST(Pricing, TheShippedFileLoadsAndPricesGpt4o) {
  auto table = PriceTable::Load(std::string(AUTOPILOT_SOURCE_DIR) + "/pricing.yaml");
  ASSERT_TRUE(table.ok()) << table.error().message;
  const Price* p = table->Find("openai:gpt-4o-2024-08-06");
  ASSERT_NE(p, nullptr);
  EXPECT_DOUBLE_EQ(p->input, 2.5);
  // gpt-4o-mini must not fall back to gpt-4o's price.
  EXPECT_DOUBLE_EQ(table->Find("openai:gpt-4o-mini-2024-07-18")->input, 0.15);
}

TEST(Pricing, CostSplitsCachedInput) {
  PriceTable t;
  t.Set("openai:m", {2.0, 8.0, 0.5});
  Usage u;
  u.input_tokens = 1'000'000;
  u.cached_input_tokens = 400'000;
  u.output_tokens = 500'000;
  int warnings = 0;
  Cost c = t.CostOf("openai:m", u, [&](const std::string&) { ++warnings; });
  EXPECT_TRUE(c.known);
  EXPECT_DOUBLE_EQ(c.usd, 0.6 * 2.0 + 0.4 * 0.5 + 0.5 * 8.0);
  EXPECT_EQ(warnings, 0);
}

TEST(Pricing, UnknownModelsCostZeroAndWarnOnce) {
  PriceTable t;
  t.Set("ollama:free-*", {0, 0});
  std::vector<std::string> warnings;
  auto warn = [&](const std::string& m) { warnings.push_back(m); };
  Usage u;
  u.input_tokens = 100;
  u.output_tokens = 100;
  EXPECT_FALSE(t.CostOf("ollama:phi4", u, warn).known);
  EXPECT_EQ(t.CostOf("ollama:phi4", u, warn).usd, 0.0);
  EXPECT_FALSE(t.CostOf("openai-compatible:llama3", u, warn).known);
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_NE(warnings[0].find("ollama:phi4"), std::string::npos);
  EXPECT_TRUE(t.CostOf("ollama:free-model", u, warn).known);  // glob
  EXPECT_EQ(warnings.size(), 2u);
}

TEST(Pricing, BadFilesNameTheProblem) {
  auto no_models = PriceTable::Parse("version: 1\n", "p.yaml");
  ASSERT_FALSE(no_models.ok());
  EXPECT_NE(no_models.error().message.find("models"), std::string::npos);
  auto bad_key = PriceTable::Parse("models:\n  gpt-4o: {input: 1, output: 2}\n", "p.yaml");
  ASSERT_FALSE(bad_key.ok());
  EXPECT_NE(bad_key.error().message.find("p.yaml:2"), std::string::npos) << bad_key.error().message;
  auto typo = PriceTable::Parse("models:\n  \"openai:x\": {input: 1, output: 2, cache: 1}\n", "p.yaml");
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.error().message.find("cache"), std::string::npos);
  auto text = PriceTable::Parse("models:\n  \"openai:x\": {input: cheap, output: 2}\n", "p.yaml");
  ASSERT_FALSE(text.ok());
}

}  // namespace
}  // namespace autopilot::llm
