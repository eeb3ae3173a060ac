// Virtual board SDK (autopilot), profile tflm_arduino: printf-style logging of the current
// tflite-micro port (it replaced MicroErrorReporter); on the board it goes to Serial.
#ifndef TENSORFLOW_LITE_MICRO_MICRO_LOG_H_
#define TENSORFLOW_LITE_MICRO_MICRO_LOG_H_

#include <cstdarg>
#include <cstddef>

void MicroPrintf(const char* format, ...);
void VMicroPrintf(const char* format, va_list args);
int MicroSnprintf(char* buffer, size_t buf_size, const char* format, ...);
int MicroVsnprintf(char* buffer, size_t buf_size, const char* format, va_list vlist);

#endif
