// Quickstart: create tensors, take views that share memory, broadcast, promote types and print.
#include <ember.h>

#include <iostream>

using namespace ember;
using namespace ember::indexing;

int main() {
  std::cout << "== creation ==\n";
  Tensor x = arange(12, kFloat).reshape({3, 4});
  std::cout << "x = arange(12).reshape({3, 4})\n" << x << "\n";
  std::cout << "sizes " << x.sizes() << ", strides " << x.strides() << ", dtype " << x.dtype() << ", device "
            << x.device() << "\n\n";

  std::cout << "== views share storage ==\n";
  Tensor col = x.index({Slice(), 1});
  Tensor xt = x.t();
  std::cout << "x.index({Slice(), 1}) = " << col << "\n";
  std::cout << "x.t() is contiguous? " << std::boolalpha << xt.is_contiguous() << ", strides " << xt.strides() << "\n";
  col.mul_(100);
  std::cout << "after col.mul_(100), x =\n" << x << "\n\n";

  std::cout << "== broadcasting ==\n";
  Tensor row = tensor({1.0, 2.0, 3.0, 4.0});
  Tensor colv = arange(3, kFloat).unsqueeze(1);
  std::cout << "row " << row.sizes() << " + column " << colv.sizes() << " =\n" << row + colv << "\n\n";

  std::cout << "== type promotion ==\n";
  Tensor i = arange(4, kInt);
  std::cout << "int32 tensor + 2.5 -> " << (i + 2.5).dtype() << ": " << (i + 2.5) << "\n";
  std::cout << "int32 tensor / 2   -> " << (i / 2) << "\n";
  std::cout << "int32 tensor > 1   -> " << (i > 1) << "\n\n";

  std::cout << "== reductions ==\n";
  std::cout << "x.sum(0) = " << x.sum({0}) << "\n";
  std::cout << "x.mean({1}, keepdim=true) =\n" << x.mean({1}, true) << "\n\n";

  std::cout << "== random, seeded ==\n";
  manual_seed(0);
  std::cout << "manual_seed(0); rand({3}) = " << rand({3}) << "\n\n";

  std::cout << "== errors say what to do ==\n";
  try {
    x.t().view({12});
  } catch (const Error& e) {
    std::cout << e.what() << "\n";
  }
  try {
    x + ones({5});
  } catch (const Error& e) {
    std::cout << e.what() << "\n";
  }
  return 0;
}
