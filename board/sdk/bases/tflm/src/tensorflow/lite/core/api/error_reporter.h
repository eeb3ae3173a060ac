// Virtual board SDK (autopilot): tflite::ErrorReporter, shared by both TFLM generations.
#ifndef TENSORFLOW_LITE_CORE_API_ERROR_REPORTER_H_
#define TENSORFLOW_LITE_CORE_API_ERROR_REPORTER_H_

#include <cstdarg>

namespace tflite {

class ErrorReporter {
 public:
  virtual ~ErrorReporter() {}
  virtual int Report(const char* format, va_list args) = 0;
  int Report(const char* format, ...);
  int ReportError(void*, const char* format, ...);
};

}  // namespace tflite

#define TF_LITE_REPORT_ERROR(reporter, ...)                                 \
  do {                                                                      \
    static_cast<tflite::ErrorReporter*>(reporter)->Report(__VA_ARGS__);     \
  } while (false)

#endif
