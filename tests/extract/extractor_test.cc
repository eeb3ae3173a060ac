#include "autopilot/extract/extractor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "autopilot/util/files.h"

namespace autopilot::extract {
namespace {

const char* kSketch =
    "#include <Arduino.h>\n"
    "void setup() {\n  Serial.begin(9600);\n}\n"
    "void loop() {\n  delay(10);\n}\n";

std::string Fenced(const std::string& tag, const std::string& code) {
  return "```" + tag + "\n" + code + "```\n";
}

TEST(Extract, AnyCppFenceTagWorks) {
  for (const char* tag : {"cpp", "c++", "arduino", "ino", "C++", "cpp title=\"sketch.ino\""}) {
    auto ex = Extract("Here you go:\n\n" + Fenced(tag, kSketch) + "\nEnjoy.", Lang::kCpp);
    ASSERT_TRUE(ex.ok) << tag << ": " << ex.message;
    EXPECT_EQ(ex.code, kSketch) << tag;
    EXPECT_EQ(ex.policy, "single-block");
  }
}

TEST(Extract, UntaggedBlockIsRecognisedByContent) {
  auto ex = Extract(Fenced("", kSketch), Lang::kCpp);
  ASSERT_TRUE(ex.ok) << ex.message;
  EXPECT_EQ(ex.blocks[0].lang, "cpp");
  auto py = Extract(Fenced("", "import pandas as pd\ndf = pd.read_csv('x.csv')\nprint(df)\n"),
                    Lang::kPython);
  ASSERT_TRUE(py.ok) << py.message;
}

TEST(Extract, WrongLanguageIsNoCode) {
  auto ex = Extract(Fenced("python", "import os\nprint(1)\n"), Lang::kCpp);
  EXPECT_FALSE(ex.ok);
  EXPECT_EQ(ex.error_code, "format.no_code");
  EXPECT_NE(ex.message.find("python"), std::string::npos);
}

TEST(Extract, ProseOnlyAndRefusal) {
  auto prose = Extract("You should read the sensor and then run the model.", Lang::kCpp);
  EXPECT_FALSE(prose.ok);
  EXPECT_EQ(prose.error_code, "format.no_code");
  auto refusal = Extract("I'm sorry, but I can't help with that request.", Lang::kPython);
  EXPECT_EQ(refusal.error_code, "format.refusal");
}

TEST(Extract, ThinkSectionsAreRemovedButKept) {
  std::string reply = "<think>\nMaybe ```cpp int x; ``` no.\n</think>\n" + Fenced("cpp", kSketch);
  auto ex = Extract(reply, Lang::kCpp);
  ASSERT_TRUE(ex.ok) << ex.message;
  EXPECT_EQ(ex.code, kSketch);
  EXPECT_NE(ex.thinking.find("Maybe"), std::string::npos);
  auto only = Extract("<think>I will write code but I run out of tokens", Lang::kCpp);
  EXPECT_FALSE(only.ok);
}

TEST(Extract, SplitSketchIsMerged) {
  std::string reply = "Includes:\n" + Fenced("cpp", "#include <Arduino.h>\nint led = 13;\n") +
                      "Setup:\n" + Fenced("cpp", "void setup() {\n  pinMode(led, OUTPUT);\n}\n") +
                      "Loop:\n" + Fenced("cpp", "void loop() {\n  digitalWrite(led, HIGH);\n}\n");
  auto ex = Extract(reply, Lang::kCpp);
  ASSERT_TRUE(ex.ok) << ex.message;
  EXPECT_EQ(ex.policy, "merged-split");
  EXPECT_NE(ex.code.find("int led = 13;"), std::string::npos);
  EXPECT_LT(ex.code.find("void setup()"), ex.code.find("void loop()"));
}

TEST(Extract, OneCompleteSketchAmongSnippetsIsChosen) {
  std::string reply = "Change this line:\n" + Fenced("cpp", "Serial.begin(115200);\n") +
                      "Full sketch:\n" + Fenced("cpp", kSketch);
  auto ex = Extract(reply, Lang::kCpp);
  ASSERT_TRUE(ex.ok);
  EXPECT_EQ(ex.policy, "complete-program");
  EXPECT_EQ(ex.code, kSketch);
  EXPECT_TRUE(ex.blocks[1].chosen);
  EXPECT_FALSE(ex.blocks[0].chosen);
}

TEST(Extract, CompetingSketchesAreMultipleCandidates) {
  std::string reply = "Option A:\n" + Fenced("cpp", kSketch) + "Option B:\n" +
                      Fenced("cpp", std::string(kSketch) + "// variant\n");
  auto ex = Extract(reply, Lang::kCpp);
  EXPECT_FALSE(ex.ok);
  EXPECT_EQ(ex.error_code, "format.multiple_candidates");
  EXPECT_EQ(ex.code, kSketch);  // best effort: the first
}

TEST(Extract, CompetingPythonScriptsAreMultipleCandidates) {
  std::string reply = Fenced("python", "import numpy as np\nprint(np.zeros(2))\n") +
                      Fenced("python", "import pandas as pd\nprint(pd.DataFrame())\n");
  EXPECT_EQ(Extract(reply, Lang::kPython).error_code, "format.multiple_candidates");
}

TEST(Extract, PythonScriptWithJsonAndBashBlocks) {
  std::string script = "import pandas as pd\ndf = pd.read_csv('in.csv')\ndf.to_csv('out.csv')\n";
  std::string reply = "Install:\n" + Fenced("bash", "pip install pandas\n") + Fenced("python", script) +
                      "Operations:\n" + Fenced("json", "{\"ops\": [1, 2]}\n");
  auto ex = Extract(reply, Lang::kPython);
  ASSERT_TRUE(ex.ok) << ex.message;
  EXPECT_EQ(ex.code, script);
  auto js = Extract(reply, Lang::kJson);
  ASSERT_TRUE(js.ok) << js.message;
  EXPECT_EQ(nlohmann::json::parse(js.code)["ops"][1], 2);
}

TEST(Extract, UnterminatedFence) {
  auto complete = Extract("```cpp\n" + std::string(kSketch), Lang::kCpp);
  ASSERT_TRUE(complete.ok) << complete.message;
  EXPECT_FALSE(complete.blocks[0].terminated);
  EXPECT_FALSE(complete.notes.empty());
  auto cut = Extract("```cpp\nvoid setup() {\n  Serial.begin(9600);\n}\nvoid loop() {\n  if (x) {\n",
                     Lang::kCpp);
  EXPECT_FALSE(cut.ok);
  EXPECT_EQ(cut.error_code, "format.truncated");
}

TEST(Extract, NewFenceInsideAnOpenBlockClosesIt) {
  std::string reply = "```python\nimport os\nprint(os.getcwd())\n```json\n{\"a\": 1}\n```\n";
  auto py = Extract(reply, Lang::kPython);
  ASSERT_TRUE(py.ok) << py.message;
  EXPECT_EQ(py.code, "import os\nprint(os.getcwd())\n");
  ASSERT_EQ(py.blocks.size(), 2u);
  EXPECT_FALSE(py.blocks[0].terminated);
}

TEST(Extract, IndentedFencesInListsLoseTheirIndentation) {
  std::string reply = "1. Do this:\n   ```python\n   import os\n   print(1)\n   ```\n";
  auto ex = Extract(reply, Lang::kPython);
  ASSERT_TRUE(ex.ok) << ex.message;
  EXPECT_EQ(ex.code, "import os\nprint(1)\n");
}

TEST(Extract, TildeFencesAndLongerFences) {
  auto ex = Extract("~~~cpp\n" + std::string(kSketch) + "~~~\n", Lang::kCpp);
  ASSERT_TRUE(ex.ok);
  EXPECT_EQ(ex.code, kSketch);
  // A four-backtick fence containing a three-backtick line.
  auto nested = Extract("````python\ns = '''\n```\n'''\nimport os\n````\n", Lang::kPython);
  ASSERT_TRUE(nested.ok);
  EXPECT_NE(nested.code.find("```"), std::string::npos);
}

TEST(Extract, JsonWrappedCode) {
  std::string wrapped = R"({"filename": "sketch.ino", "code": "#include <Arduino.h>\nvoid setup() {}\nvoid loop() {}\n"})";
  auto ex = Extract(wrapped, Lang::kCpp);
  ASSERT_TRUE(ex.ok) << ex.message;
  EXPECT_EQ(ex.policy, "json-wrapped");
  EXPECT_EQ(ex.code, "#include <Arduino.h>\nvoid setup() {}\nvoid loop() {}\n");
  auto fenced = Extract("```json\n" + wrapped + "\n```", Lang::kCpp);
  ASSERT_TRUE(fenced.ok) << fenced.message;
  EXPECT_EQ(fenced.policy, "json-wrapped");
}

TEST(Extract, UnfencedCodeAfterProse) {
  std::string reply = "Sure. The script is below.\n\nimport pandas as pd\ndf = pd.read_csv('a.csv')\nprint(df.head())\n";
  auto ex = Extract(reply, Lang::kPython);
  ASSERT_TRUE(ex.ok) << ex.message;
  EXPECT_EQ(ex.policy, "unfenced");
  EXPECT_EQ(ex.code.rfind("import pandas", 0), 0u);
}

TEST(Extract, JsonTarget) {
  // The block as written is returned; whether it parses is reported for the format validator.
  auto bad = Extract("```json\n{\"a\": 1,}\n```", Lang::kJson);
  ASSERT_TRUE(bad.ok);
  EXPECT_FALSE(bad.json_valid);
  EXPECT_FALSE(bad.json_error.empty());
  EXPECT_EQ(bad.code, "{\"a\": 1,}\n");
  auto good = Extract("```json\n{\"a\": 1}\n```", Lang::kJson);
  EXPECT_TRUE(good.json_valid);
  auto unfenced_bad = Extract("Spec: {\"a\": [1,}", Lang::kJson);
  EXPECT_FALSE(unfenced_bad.ok);
  auto inline_obj = Extract("The spec is {\"board\": \"nano33\", \"classes\": [\"a\"]} as asked.", Lang::kJson);
  ASSERT_TRUE(inline_obj.ok) << inline_obj.message;
  EXPECT_EQ(nlohmann::json::parse(inline_obj.code)["board"], "nano33");
}

TEST(Extract, EmptyReply) {
  EXPECT_EQ(Extract("", Lang::kCpp).error_code, "format.no_code");
  EXPECT_EQ(Extract("```cpp\n```", Lang::kCpp).error_code, "format.no_code");
}

TEST(Extract, ParseLangNames) {
  Lang l;
  ASSERT_TRUE(ParseLang("arduino", &l));
  EXPECT_EQ(l, Lang::kCpp);
  ASSERT_TRUE(ParseLang("py", &l));
  EXPECT_EQ(l, Lang::kPython);
  EXPECT_FALSE(ParseLang("rust", &l));
}

// The corpus: where the prototype's executed code is known and the completion holds exactly one
// block in the target language, our extraction must equal it modulo whitespace.
std::string NoSpace(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (!std::isspace(static_cast<unsigned char>(c))) out += c;
  }
  return out;
}

TEST(ExtractCorpus, AgreesWithTheCodeThePrototypeRan) {
  std::string root = std::string(AUTOPILOT_SHARED_DIR) + "/corpus";
  std::ifstream manifest(root + "/manifest.jsonl");
  if (!manifest) GTEST_SKIP() << "corpus not present at " << root;
  std::map<std::string, nlohmann::json> items;
  std::string line;
  while (std::getline(manifest, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object()) items[j["id"].get<std::string>()] = j;
  }
  int total = 0, agree = 0;
  std::vector<std::string> misses;
  for (const auto& [id, r] : items) {
    if (r["group"] != "raw_completions" || !r.contains("code_item_id") || r["code_item_id"].is_null()) continue;
    if (r.value("n_target_lang_blocks", 0) != 1) continue;
    auto gold_it = items.find(r["code_item_id"].get<std::string>());
    if (gold_it == items.end()) continue;
    std::string stage = r["stage"];
    // The edge stages' code items are the prototype's rewritten scripts (its configured paths and
    // quoting substituted into the reply), not the reply's code verbatim: not an extraction check.
    if (stage == "psg" || stage == "tpusg") continue;
    Lang lang = r.value("kind", "") == "spec" ? Lang::kJson
                : stage == "sg"                  ? Lang::kCpp
                                                 : Lang::kPython;
    auto reply = util::ReadFile(root + "/" + r["file"].get<std::string>());
    auto gold = util::ReadFile(root + "/" + gold_it->second["file"].get<std::string>());
    if (!reply || !gold) continue;
    ++total;
    auto ex = Extract(*reply, lang);
    if (ex.ok && NoSpace(ex.code) == NoSpace(*gold)) {
      ++agree;
    } else {
      misses.push_back(id + " (" + (ex.ok ? ex.policy : ex.error_code) + ")");
    }
  }
  ASSERT_GT(total, 100);
  double rate = static_cast<double>(agree) / total;
  EXPECT_GE(rate, 0.99) << agree << "/" << total << "; first misses: "
                        << (misses.empty() ? "" : misses[0]);
  RecordProperty("agreement", std::to_string(agree) + "/" + std::to_string(total));
}

}  // namespace
}  // namespace autopilot::extract
