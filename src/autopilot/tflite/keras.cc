#include "autopilot/tflite/keras.h"

namespace autopilot::tflite {

Result<Model> LoadKerasModel(const std::string& path) {
  return Error{"ml.conversion_config",
               path + ": reading .keras files is not implemented yet; train with 'autopilot model "
                      "train' or pass a float .tflite"};
}

}  // namespace autopilot::tflite
