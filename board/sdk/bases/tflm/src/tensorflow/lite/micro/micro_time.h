// Virtual board SDK (autopilot): TFLM timing hooks.
#ifndef TENSORFLOW_LITE_MICRO_MICRO_TIME_H_
#define TENSORFLOW_LITE_MICRO_MICRO_TIME_H_
#include <stdint.h>
namespace tflite {
int32_t ticks_per_second();
int32_t GetCurrentTimeTicks();
}  // namespace tflite
#endif
