// Pooling modules over the max_pool / avg_pool / adaptive_avg_pool ops.
#include "eager/nn/modules/pooling.h"

#include <fmt/format.h>

#include "eager/nn/modules/common.h"
#include "eager/ops_conv.h"
#include "kernels/check.h"

namespace ember::nn {

using detail::repr_bool;

template <size_t D>
Tensor MaxPoolNdImpl<D>::forward(const Tensor& input) {
  const auto& o = options;
  if constexpr (D == 1)
    return max_pool1d(input, o.kernel_size(), o.stride(), o.padding(), o.dilation(), o.ceil_mode());
  else
    return max_pool2d(input, o.kernel_size(), o.stride(), o.padding(), o.dilation(), o.ceil_mode());
}

template <size_t D>
std::tuple<Tensor, Tensor> MaxPoolNdImpl<D>::forward_with_indices(const Tensor& input) {
  const auto& o = options;
  if constexpr (D == 1)
    return max_pool1d_with_indices(input, o.kernel_size(), o.stride(), o.padding(), o.dilation(), o.ceil_mode());
  else
    return max_pool2d_with_indices(input, o.kernel_size(), o.stride(), o.padding(), o.dilation(), o.ceil_mode());
}

// PyTorch prints the values as given: "kernel_size=2" or "kernel_size=(2, 3)".
template <size_t D>
std::string MaxPoolNdImpl<D>::extra_repr() const {
  return fmt::format("kernel_size={}, stride={}, padding={}, dilation={}, ceil_mode={}", options.kernel_size().repr(),
                     options.stride().repr(), options.padding().repr(), options.dilation().repr(),
                     repr_bool(options.ceil_mode()));
}

template class MaxPoolNdImpl<1>;
template class MaxPoolNdImpl<2>;

template <size_t D>
AvgPoolNdImpl<D>::AvgPoolNdImpl(std::string name, const AvgPoolOptions<D>& options_)
    : Module(std::move(name)), options(options_) {
  EMBER_CHECK(D == 2 || !options.divisor_override(), "[{}] divisor_override is only supported by AvgPool2d",
              this->name());
}

template <size_t D>
Tensor AvgPoolNdImpl<D>::forward(const Tensor& input) {
  const auto& o = options;
  if constexpr (D == 1)
    return avg_pool1d(input, o.kernel_size(), o.stride(), o.padding(), o.ceil_mode(), o.count_include_pad());
  else
    return avg_pool2d(input, o.kernel_size(), o.stride(), o.padding(), o.ceil_mode(), o.count_include_pad(),
                      o.divisor_override());
}

// AvgPool1d stores tuples (it applies _single); AvgPool2d keeps what was given.
template <size_t D>
std::string AvgPoolNdImpl<D>::extra_repr() const {
  auto show = [](const ExpandingArray<D>& a) { return D == 1 ? a.tuple_repr() : a.repr(); };
  return fmt::format("kernel_size={}, stride={}, padding={}", show(options.kernel_size()), show(options.stride()),
                     show(options.padding()));
}

template class AvgPoolNdImpl<1>;
template class AvgPoolNdImpl<2>;

template <size_t D>
Tensor AdaptiveAvgPoolNdImpl<D>::forward(const Tensor& input) {
  if constexpr (D == 1)
    return adaptive_avg_pool1d(input, options.output_size());
  else
    return adaptive_avg_pool2d(input, options.output_size());
}

template <size_t D>
std::string AdaptiveAvgPoolNdImpl<D>::extra_repr() const {
  return "output_size=" + options.output_size().repr();
}

template class AdaptiveAvgPoolNdImpl<1>;
template class AdaptiveAvgPoolNdImpl<2>;

}  // namespace ember::nn
