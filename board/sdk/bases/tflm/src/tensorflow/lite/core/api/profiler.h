// Virtual board SDK (autopilot): tflite::Profiler interface of the classic API.
#ifndef TENSORFLOW_LITE_CORE_API_PROFILER_H_
#define TENSORFLOW_LITE_CORE_API_PROFILER_H_
#include <cstdint>
namespace tflite {
class Profiler {
 public:
  enum class EventType { DEFAULT = 1, OPERATOR_INVOKE_EVENT = 2 };
  virtual ~Profiler() {}
  virtual uint32_t BeginEvent(const char* tag, EventType event_type, int64_t event_metadata1,
                              int64_t event_metadata2) = 0;
  virtual void EndEvent(uint32_t event_handle) = 0;
};
}  // namespace tflite
#endif
