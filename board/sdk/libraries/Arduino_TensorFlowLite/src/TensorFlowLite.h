// Virtual board SDK (autopilot), profile tflm_arduino: the library marker header of the current
// tflite-micro Arduino port. Like the real one it declares nothing; including it only makes the
// library's headers reachable.
#ifndef TENSORFLOW_LITE_MICRO_TOOLS_MAKE_TEMPLATES_TENSORFLOWLITE_H_
#define TENSORFLOW_LITE_MICRO_TOOLS_MAKE_TEMPLATES_TENSORFLOWLITE_H_
#endif
