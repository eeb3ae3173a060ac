// SSE and NDJSON splitting: every cut point of the input must give the same events.

#include "autopilot/llm/stream_parsers.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace autopilot::llm {
namespace {

std::vector<std::string> SseEvents(const std::vector<std::string_view>& pieces, bool finish = true) {
  std::vector<std::string> out;
  SseParser p([&](const SseEvent& e) {
    out.push_back((e.event.empty() ? "" : e.event + "|") + e.data);
    return true;
  });
  for (auto piece : pieces) EXPECT_TRUE(p.Feed(piece));
  if (finish) {
    EXPECT_TRUE(p.Finish());
  }
  return out;
}

TEST(SseParser, EveryTwoWaySplitGivesTheSameEvents) {
  const std::string stream =
      ": OPENROUTER PROCESSING\r\n\r\n"
      "data: {\"a\":1}\r\n\r\n"
      "event: ping\ndata: first line\ndata: second line\n\n"
      "data:no-space\r\r"
      "id: 7\nretry: 100\ndata: [DONE]\n\n";
  const std::vector<std::string> expected = {"{\"a\":1}", "ping|first line\nsecond line", "no-space", "[DONE]"};
  EXPECT_EQ(SseEvents({stream}), expected);
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    std::string_view s(stream);
    EXPECT_EQ(SseEvents({s.substr(0, cut), s.substr(cut)}), expected) << "cut at " << cut;
  }
  // One byte at a time.
  std::vector<std::string_view> bytes;
  for (size_t i = 0; i < stream.size(); ++i) bytes.push_back(std::string_view(stream).substr(i, 1));
  EXPECT_EQ(SseEvents(bytes), expected);
}

TEST(SseParser, UnterminatedLastEventIsDeliveredAtFinishOnly) {
  EXPECT_TRUE(SseEvents({"data: x\n\ndata: tail"}, false) == std::vector<std::string>{"x"});
  EXPECT_EQ(SseEvents({"data: x\n\ndata: tail"}, true), (std::vector<std::string>{"x", "tail"}));
}

TEST(SseParser, HandlerCanStopTheStream) {
  int calls = 0;
  SseParser p([&](const SseEvent&) { return ++calls < 2; });
  EXPECT_FALSE(p.Feed("data: 1\n\ndata: 2\n\ndata: 3\n\n"));
  EXPECT_EQ(calls, 2);
}

TEST(LineSplitter, SplitsAtNewlinesAcrossPiecesAndDropsCr) {
  const std::string text = "{\"a\":1}\r\n\n{\"b\":2}\n{\"c\":3}";
  for (size_t cut = 0; cut <= text.size(); ++cut) {
    std::vector<std::string> lines;
    LineSplitter s([&](std::string_view l) {
      lines.emplace_back(l);
      return true;
    });
    s.Feed(std::string_view(text).substr(0, cut));
    s.Feed(std::string_view(text).substr(cut));
    s.Finish();
    EXPECT_EQ(lines, (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}", "{\"c\":3}"})) << cut;
  }
}

}  // namespace
}  // namespace autopilot::llm
