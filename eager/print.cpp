// PLACEHOLDER: PyTorch-layout printing is being written; replaced wholesale by the real file.
#include <ostream>
#include "eager/tensor.h"
namespace ember {
std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << "tensor(<" << t.numel() << " elements>)"; }
std::ostream& operator<<(std::ostream& os, IntArrayRef sizes) {
  os << "[";
  for (size_t i = 0; i < sizes.size(); ++i) os << (i ? ", " : "") << sizes[i];
  return os << "]";
}
}  // namespace ember
