// ember::Error, the one exception type every layer throws for bad input.
#pragma once

#include <stdexcept>
#include <string>

namespace ember {

// Messages start with the op in brackets and say what was expected, what was
// given and what to do instead, e.g. "[view] ... Use .reshape(...) instead."
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace ember
