// The classifier against the shared corpus of real error texts (../shared/corpus/error_texts) and
// the hand labels in tests/data/taxonomy/labels.tsv. Skips when the corpus is absent.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "autopilot/taxonomy/classifier.h"
#include "autopilot/util/strings.h"

namespace autopilot::taxonomy {
namespace {

namespace fs = std::filesystem;

const fs::path kErrorTexts = fs::path(AUTOPILOT_SHARED_DIR) / "corpus" / "error_texts";

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Label {
  std::string file;
  std::string id;
};

std::vector<Label> ReadLabels() {
  std::vector<Label> labels;
  std::ifstream in(std::string(AUTOPILOT_TEST_DATA) + "/taxonomy/labels.tsv");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || util::StartsWith(line, "file\t")) continue;
    auto cols = util::Split(line, '\t');
    if (cols.size() >= 2) labels.push_back({cols[0], cols[1]});
  }
  return labels;
}

Verdict ClassifyFile(const Classifier& c, const fs::path& p) {
  FailureInput in;
  in.stage = StageFromFileName(p.filename().string());
  in.text = Slurp(p);
  return c.Classify(in);
}

TEST(Labels, AreWellFormed) {
  auto labels = ReadLabels();
  ASSERT_GE(labels.size(), 300u);
  std::map<std::string, int> seen;
  for (const auto& l : labels) {
    EXPECT_TRUE(FindById(l.id).has_value()) << l.file << ": " << l.id;
    EXPECT_NE(StageFromFileName(l.file), "") << l.file;
    EXPECT_EQ(++seen[l.file], 1) << "labelled twice: " << l.file;
  }
}

TEST(Corpus, AgreesWithTheHandLabels) {
  if (!fs::is_directory(kErrorTexts)) GTEST_SKIP() << "no corpus at " << kErrorTexts;
  auto c = Classifier::FromFile(AUTOPILOT_RULES_FILE);
  ASSERT_TRUE(c.ok()) << c.error().message;
  size_t agree = 0;
  size_t total = 0;
  std::string disagreements;
  for (const auto& l : ReadLabels()) {
    fs::path p = kErrorTexts / l.file;
    if (!fs::exists(p)) continue;
    ++total;
    Verdict v = ClassifyFile(*c, p);
    if (IdOf(v.primary) == l.id) {
      ++agree;
    } else {
      disagreements += l.file + ": label " + l.id + ", got " + std::string(IdOf(v.primary)) +
                       " (" + v.rule + ")\n";
    }
  }
  ASSERT_GT(total, 0u);
  double rate = static_cast<double>(agree) / static_cast<double>(total);
  EXPECT_GE(rate, 0.90) << disagreements;
}

TEST(Corpus, UnknownStaysRare) {
  if (!fs::is_directory(kErrorTexts)) GTEST_SKIP() << "no corpus at " << kErrorTexts;
  auto c = Classifier::FromFile(AUTOPILOT_RULES_FILE);
  ASSERT_TRUE(c.ok()) << c.error().message;
  size_t unknown = 0;
  size_t total = 0;
  std::string unknowns;
  for (const auto& entry : fs::directory_iterator(kErrorTexts)) {
    if (!entry.is_regular_file()) continue;
    ++total;
    if (ClassifyFile(*c, entry.path()).primary == Category::kUnknown) {
      ++unknown;
      unknowns += entry.path().filename().string() + "\n";
    }
  }
  ASSERT_GT(total, 0u);
  EXPECT_LT(static_cast<double>(unknown) / static_cast<double>(total), 0.03) << unknowns;
}

}  // namespace
}  // namespace autopilot::taxonomy
