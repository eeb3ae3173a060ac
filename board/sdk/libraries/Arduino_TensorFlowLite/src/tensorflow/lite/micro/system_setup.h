// Virtual board SDK (autopilot), profile tflm_arduino: target initialisation hook of the current
// tflite-micro port (sets up the debug log's serial port on the board).
#ifndef TENSORFLOW_LITE_MICRO_SYSTEM_SETUP_H_
#define TENSORFLOW_LITE_MICRO_SYSTEM_SETUP_H_

namespace tflite {
void InitializeTarget();
}  // namespace tflite

#endif
