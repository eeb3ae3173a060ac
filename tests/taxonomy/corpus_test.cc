// The classifier against the shared corpus of real error texts (../shared/corpus/error_texts) and
// two sets of hand labels: the tuning fixture (labels.tsv) and the evaluation sample
// (eval_labels.tsv, labelled by the boundary rules before the classifier was run on it and never
// used to tune rules). The texts are read from the corpus at run time; skips when it is absent.

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

std::vector<Label> ReadLabels(const std::string& file = "labels.tsv") {
  std::vector<Label> labels;
  std::ifstream in(std::string(AUTOPILOT_TEST_DATA) + "/taxonomy/" + file);
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

/// The rules with the stages' usual toolchains loaded, as `autopilot classify` runs them.
Result<Classifier> LoadClassifier() {
  auto c = Classifier::FromFile(AUTOPILOT_RULES_FILE);
  if (!c) return c.error();
  if (auto t = c->LoadStageToolchains(); !t) return t.error();
  return c;
}

TEST(Labels, EvaluationSampleIsWellFormedAndCoversEveryStage) {
  auto labels = ReadLabels("eval_labels.tsv");
  ASSERT_GE(labels.size(), 200u);
  std::map<std::string, int> seen;
  std::map<std::string, int> per_stage;
  std::map<std::string, std::string> tuning;
  for (const auto& l : ReadLabels()) tuning[l.file] = l.id;
  for (const auto& l : labels) {
    EXPECT_TRUE(FindById(l.id).has_value()) << l.file << ": " << l.id;
    EXPECT_EQ(++seen[l.file], 1) << "labelled twice: " << l.file;
    ++per_stage[StageFromFileName(l.file)];
    // sg had texts outside the tuning fixture: the sample takes only those.
    if (StageFromFileName(l.file) == "sg") {
      EXPECT_EQ(tuning.count(l.file), 0u) << l.file;
    }
  }
  for (const char* stage : {"dp", "mc", "sg", "psg", "tpusg"}) EXPECT_GE(per_stage[stage], 10) << stage;
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
  auto c = LoadClassifier();
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

// The evaluation sample: the figures only, never which items disagree, so that nobody tunes a
// rule on it (bench/classifier_eval --figures-only gives the same figures per stage and family).
TEST(Corpus, AgreesWithTheEvaluationSample) {
  if (!fs::is_directory(kErrorTexts)) GTEST_SKIP() << "no corpus at " << kErrorTexts;
  auto c = LoadClassifier();
  ASSERT_TRUE(c.ok()) << c.error().message;
  size_t agree = 0;
  size_t unknown = 0;
  size_t total = 0;
  for (const auto& l : ReadLabels("eval_labels.tsv")) {
    fs::path p = kErrorTexts / l.file;
    if (!fs::exists(p)) continue;
    ++total;
    Verdict v = ClassifyFile(*c, p);
    agree += IdOf(v.primary) == l.id;
    unknown += v.primary == Category::kUnknown;
  }
  ASSERT_GT(total, 0u);
  EXPECT_GE(static_cast<double>(agree) / static_cast<double>(total), 0.90)
      << agree << "/" << total << " agree";
  EXPECT_LT(static_cast<double>(unknown) / static_cast<double>(total), 0.02) << unknown << " unknown";
}

TEST(Corpus, UnknownStaysRare) {
  if (!fs::is_directory(kErrorTexts)) GTEST_SKIP() << "no corpus at " << kErrorTexts;
  auto c = LoadClassifier();
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
  EXPECT_LT(static_cast<double>(unknown) / static_cast<double>(total), 0.02) << unknowns;
}

}  // namespace
}  // namespace autopilot::taxonomy
