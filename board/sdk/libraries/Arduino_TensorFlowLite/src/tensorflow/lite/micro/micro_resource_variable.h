// Virtual board SDK (autopilot), profile tflm_arduino: resource variables of the current port
// (only the type a MicroInterpreter constructor names; models here never use them).
#ifndef TENSORFLOW_LITE_MICRO_MICRO_RESOURCE_VARIABLE_H_
#define TENSORFLOW_LITE_MICRO_MICRO_RESOURCE_VARIABLE_H_

namespace tflite {
class MicroResourceVariables;
}  // namespace tflite

#endif
