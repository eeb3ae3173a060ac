// Virtual board SDK (autopilot): TFLM debug log hook.
#ifndef TENSORFLOW_LITE_MICRO_DEBUG_LOG_H_
#define TENSORFLOW_LITE_MICRO_DEBUG_LOG_H_
#ifdef __cplusplus
extern "C" {
#endif
void DebugLog(const char* s);
#ifdef __cplusplus
}
#endif
#endif
