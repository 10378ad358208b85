// Internal entry points of the safetensors reader and writer that take the op name used in errors.
#pragma once

#include <string>

#include "eager/io/state.h"

namespace ember::detail {

// `op` starts every error message, e.g. "[save_checkpoint] safetensors file 'a.st': ...".
void save_safetensors_file(const TensorState& state, const std::string& path, const char* op);
TensorState load_safetensors_file(const std::string& path, const char* op);

}  // namespace ember::detail
