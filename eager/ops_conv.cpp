// Convolution, pooling, padding and resampling through the registry (all extern ops for the JIT: library kernels
// between fused groups), and the functional forms on top: conv1d/conv2d, 1-D pools, F.pad and F.interpolate.
#include "eager/ops_conv.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "eager/meta.h"
#include "eager/ops.h"
#include "eager/tensor_data.h"
#include "kernels/check.h"
#include "kernels/cpu/conv.h"
#include "kernels/cpu/pointwise.h"

namespace ember {

void register_conv_ops(OpRegistry& r);

namespace {

using detail::shape_str;
using kernels::StridedView;
using kernels::cpu::Window2d;

// Backward formulas, defined at the end of this namespace (each documents its call layout above its OpDef).
GradList convolution_backward(const GradContext& ctx);
GradList max_pool2d_backward(const GradContext& ctx);
GradList avg_pool2d_backward(const GradContext& ctx);
GradList adaptive_avg_pool2d_backward(const GradContext& ctx);
GradList constant_pad_backward(const GradContext& ctx);
GradList mode_pad_backward(const GradContext& ctx);
GradList upsample_backward(const GradContext& ctx);

std::string list_str(IntArrayRef values) { return shape_str(values); }

// a * b + c for geometry built from user integers, which must fail cleanly rather than overflow.
// Pads are negated to crop; the most negative int64 has no negation.
void check_pads_negatable(std::string_view op, IntArrayRef pad) {
  for (int64_t p : pad)
    EMBER_CHECK(p != std::numeric_limits<int64_t>::min(), "[{}] padding {} is out of range; use smaller values", op, p);
}

int64_t mul_add(std::string_view op, int64_t a, int64_t b, int64_t c) {
  int64_t r = 0;
  EMBER_CHECK(!__builtin_mul_overflow(a, b, &r) && !__builtin_add_overflow(r, c, &r),
              "[{}] sizes, padding, stride or dilation too large: {} * {} + {} overflows int64; use smaller values",
              op, a, b, c);
  return r;
}

// The C++ type names PyTorch prints in "Input type (float) and bias type (double)".
const char* cpp_type_name(ScalarType t) {
  switch (t) {
    case kBool: return "bool";
    case kByte: return "unsigned char";
    case kChar: return "signed char";
    case kShort: return "short int";
    case kInt: return "int";
    case kLong: return "long int";
    case kHalf: return "c10::Half";
    case kBFloat16: return "c10::BFloat16";
    case kFloat: return "float";
    case kDouble: return "double";
  }
  return "?";
}

// A 4-D (N, C, H, W) kernel view of a tensor whose last `spatial` dims are spatial: a missing batch dim
// (unbatched input) and, for 1-D ops, a missing H dim become size-1 dims.
StridedView plane_view(const Tensor& t, int64_t spatial, bool batched) {
  StridedView v = detail::strided_view(t);
  StridedView r{v.data, v.dtype, {}, {}};
  if (!batched) {
    r.sizes.push_back(1);
    r.strides.push_back(0);
  }
  for (int64_t d = 0; d < t.dim(); ++d) {
    if (d == t.dim() - spatial && spatial == 1) {
      r.sizes.push_back(1);
      r.strides.push_back(0);
    }
    r.sizes.push_back(v.sizes[size_t(d)]);
    r.strides.push_back(v.strides[size_t(d)]);
  }
  return r;
}

// ---- convolution ----
// Call layout: inputs {input, weight} or {input, weight, bias};
// attrs {stride, padding, dilation, transposed, output_padding, groups}.

// One value per spatial dim from a single value or a full list.
DimVector expand_conv_param(IntArrayRef values, const char* name, int64_t spatial) {
  EMBER_CHECK(int64_t(values.size()) == spatial || values.size() == 1,
              "[convolution] expected {} to be a single integer value or a list of {} values to match the "
              "convolution dimensions, but got {}={}",
              name, spatial, name, list_str(values));
  return values.size() == 1 ? DimVector(size_t(spatial), values[0]) : DimVector(values);
}

struct ConvGeometry {
  DimVector stride, padding, dilation;
  int64_t groups = 1;
};

ConvGeometry conv_geometry(const OpCall& call, int64_t spatial) {
  ConvGeometry g;
  g.stride = expand_conv_param(call.ints_attr(0), "stride", spatial);
  g.padding = expand_conv_param(call.ints_attr(1), "padding", spatial);
  g.dilation = expand_conv_param(call.ints_attr(2), "dilation", spatial);
  g.groups = call.int_attr(5);
  return g;
}

void convolution_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& input = call.input(0);
  const Tensor& weight = call.input(1);
  EMBER_CHECK(!call.bool_attr(3), "[convolution] transposed convolution is not implemented yet; only "
              "transposed = false is supported");
  const int64_t k = weight.dim();
  EMBER_CHECK(k >= 3, "[convolution] weight should have at least three dimensions (out_channels, "
              "in_channels / groups, kernel...), but got weight of size {}", shape_str(weight.sizes()));
  EMBER_CHECK(k <= 4, "[convolution] only 1-D and 2-D convolutions are implemented; got a {}-D weight of size {}",
              k, shape_str(weight.sizes()));
  const int64_t spatial = k - 2;
  const ConvGeometry g = conv_geometry(call, spatial);
  EMBER_CHECK(g.groups > 0, "[convolution] non-positive groups is not supported, got groups={}", g.groups);
  for (int64_t s : g.stride) EMBER_CHECK(s > 0, "[convolution] non-positive stride is not supported, got stride={}",
                                         list_str(g.stride));
  for (int64_t p : g.padding) EMBER_CHECK(p >= 0, "[convolution] negative padding is not supported, got padding={}",
                                          list_str(g.padding));
  for (int64_t d : g.dilation) EMBER_CHECK(d > 0, "[convolution] dilation should be greater than zero, but got {}",
                                           list_str(g.dilation));
  EMBER_CHECK(input.dim() == k,
              "[convolution] Expected {}-dimensional input for {}-dimensional weight {}, but got {}-dimensional input "
              "of size {} instead",
              k, k, shape_str(weight.sizes()), input.dim(), shape_str(input.sizes()));
  EMBER_CHECK(weight.size(0) >= g.groups,
              "[convolution] Given groups={}, expected weight to be at least {} at dimension 0, but got weight of "
              "size {} instead",
              g.groups, g.groups, shape_str(weight.sizes()));
  EMBER_CHECK(weight.size(0) % g.groups == 0,
              "[convolution] Given groups={}, expected weight to be divisible by {} at dimension 0, but got weight of "
              "size {} instead",
              g.groups, g.groups, shape_str(weight.sizes()));
  EMBER_CHECK(input.size(1) == weight.size(1) * g.groups,
              "[convolution] Given groups={}, weight of size {}, expected input{} to have {} channels, but got {} "
              "channels instead",
              g.groups, shape_str(weight.sizes()), shape_str(input.sizes()), weight.size(1) * g.groups, input.size(1));
  if (call.inputs.size() > 2) {
    const Tensor& bias = call.input(2);
    EMBER_CHECK(bias.dim() == 1 && bias.size(0) == weight.size(0),
                "[convolution] Given weight of size {}, expected bias to be 1-dimensional with {} elements, but got "
                "bias of size {} instead",
                shape_str(weight.sizes()), weight.size(0), shape_str(bias.sizes()));
  }
  DimVector padded, kernel, out_sizes{input.size(0), weight.size(0)};
  for (int64_t d = 0; d < spatial; ++d) {
    const int64_t extent = weight.size(d + 2);
    EMBER_CHECK(extent > 0, "[convolution] kernel size should be greater than zero, but got weight of size {}",
                shape_str(weight.sizes()));
    padded.push_back(mul_add("convolution", 2, g.padding[size_t(d)], input.size(d + 2)));
    kernel.push_back(mul_add("convolution", g.dilation[size_t(d)], extent - 1, 1));
  }
  for (int64_t d = 0; d < spatial; ++d)
    EMBER_CHECK(padded[size_t(d)] >= kernel[size_t(d)],
                "[convolution] Calculated padded input size per channel: ({}). Kernel size: ({}). Kernel size can't "
                "be greater than actual input size",
                fmt::join(padded, " x "), fmt::join(kernel, " x "));
  for (int64_t d = 0; d < spatial; ++d)
    out_sizes.push_back((padded[size_t(d)] - kernel[size_t(d)]) / g.stride[size_t(d)] + 1);
  EMBER_CHECK(input.dtype() == weight.dtype(),
              "[convolution] expected scalar type {} but found {}: the input and the weight must have one dtype; "
              "convert one with .to()",
              to_string(input.dtype()), to_string(weight.dtype()));
  if (call.inputs.size() > 2)
    EMBER_CHECK(call.input(2).dtype() == input.dtype(),
                "[convolution] Input type ({}) and bias type ({}) should be the same; convert the bias with .to()",
                cpp_type_name(input.dtype()), cpp_type_name(call.input(2).dtype()));
  EMBER_CHECK(input.dtype() != kHalf && input.dtype() != kBool,
              "[convolution] \"slow_conv2d_cpu\" not implemented for '{}'; convert to Float first",
              to_string(input.dtype()));
  out.push_back({out_sizes, {}, 0, input.dtype(), input.device()});
}

void convolution_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  const Tensor& weight = call.input(1);
  const int64_t spatial = weight.dim() - 2;
  const ConvGeometry g = conv_geometry(call, spatial);
  Window2d w;
  w.kernel_w = weight.size(-1);
  w.stride_w = g.stride.back();
  w.pad_w = g.padding.back();
  w.dilation_w = g.dilation.back();
  if (spatial == 2) {
    w.kernel_h = weight.size(2);
    w.stride_h = g.stride[0];
    w.pad_h = g.padding[0];
    w.dilation_h = g.dilation[0];
  }
  StridedView bias;  // data == nullptr: no bias
  if (call.inputs.size() > 2) bias = detail::strided_view(call.input(2));
  kernels::cpu::conv2d(plane_view(outputs[0], spatial, true), plane_view(call.input(0), spatial, true),
                       plane_view(weight, spatial, true), bias, w, g.groups);
}

const OpDef convolution_def{"convolution",
                            "(Tensor input, Tensor weight, Tensor? bias, int[] stride, int[] padding, int[] dilation, "
                            "bool transposed, int[] output_padding, int groups) -> Tensor",
                            OpKind::Compute, FusionClass::Extern, convolution_meta, convolution_kernel, nullptr,
                            {convolution_backward, save({0, 1}), kSaveNone}, nullptr, 0};

void check_conv_input_rank(int64_t spatial, const Tensor& input) {
  const char* name = spatial == 1 ? "conv1d" : "conv2d";
  EMBER_CHECK(input.dim() == spatial + 1 || input.dim() == spatial + 2,
              "[{}] Expected {}D (unbatched) or {}D (batched) input to {}, but got input of size: {}", name,
              spatial + 1, spatial + 2, name, shape_str(input.sizes()));
}

// conv1d / conv2d: (un)batched input checks, then the primitive.
Tensor conv_nd(int64_t spatial, const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias,
               IntArrayRef stride, IntArrayRef padding, IntArrayRef dilation, int64_t groups) {
  const char* name = spatial == 1 ? "conv1d" : "conv2d";
  EMBER_CHECK(input.defined() && weight.defined(), "[{}] expected defined input and weight tensors", name);
  check_conv_input_rank(spatial, input);
  const bool batched = input.dim() == spatial + 2;
  Tensor out = convolution(batched ? input : input.unsqueeze(0), weight, bias, stride, padding, dilation, false,
                           DimVector(size_t(spatial), 0), groups);
  return batched ? out : out.squeeze(0);
}

// ---- pooling ----

// Output length of a pooling window sliding over `size` (+ padding on both sides), PyTorch's rule: in ceil
// mode a last window is kept only if it starts inside the input or the left padding.
int64_t pooled_size(std::string_view op, int64_t size, int64_t kernel, int64_t pad, int64_t stride, int64_t dilation,
                    bool ceil_mode) {
  // size + 2 * pad - dilation * (kernel - 1) - 1 (+ stride - 1), with 0 <= pad <= kernel / 2.
  const int64_t window = mul_add(op, dilation, kernel - 1, 1);
  const int64_t span = mul_add(op, 1, mul_add(op, 2, pad, size) - window, ceil_mode ? stride - 1 : 0);
  int64_t out = (span >= 0 ? span / stride : -((-span + stride - 1) / stride)) + 1;
  if (ceil_mode && (out - 1) * stride >= size + pad) --out;
  return out;
}

// Pairs (H, W) from a one- or two-element list; stride may also be empty (= kernel).
DimVector pool_pair(std::string_view op, IntArrayRef values, const char* name, const char* alternatives) {
  EMBER_CHECK(values.size() == 1 || values.size() == 2, "[{}] {}: {} must {}, but got {}={}", op, op, name,
              alternatives, name, list_str(values));
  return values.size() == 1 ? DimVector{values[0], values[0]} : DimVector(values);
}

// Window geometry of a 2-D pool; attrs {kernel_size, stride, padding, (dilation)} at the given positions.
Window2d pool_window(std::string_view op, const OpCall& call, bool has_dilation) {
  const DimVector kernel = pool_pair(op, call.ints_attr(0), "kernel_size", "either be a single int, or a tuple of two ints");
  const DimVector stride = call.ints_attr(1).empty()
                               ? kernel
                               : pool_pair(op, call.ints_attr(1), "stride",
                                           "either be omitted, a single int, or a tuple of two ints");
  const DimVector padding = pool_pair(op, call.ints_attr(2), "padding", "either be a single int, or a tuple of two ints");
  const DimVector dilation = has_dilation ? pool_pair(op, call.ints_attr(3), "dilation",
                                                      "be either a single int, or a tuple of two ints")
                                          : DimVector{1, 1};
  return Window2d{kernel[0], kernel[1], stride[0], stride[1], padding[0], padding[1], dilation[0], dilation[1]};
}

// PyTorch's pool2d shape checks; returns the output sizes (rank of the input).
DimVector pool2d_shape(std::string_view op, const Tensor& input, const Window2d& w, bool ceil_mode) {
  EMBER_CHECK(w.kernel_h > 0 && w.kernel_w > 0, "[{}] kernel size should be greater than zero, but got kH: {} kW: {}",
              op, w.kernel_h, w.kernel_w);
  EMBER_CHECK(w.stride_h > 0 && w.stride_w > 0, "[{}] stride should be greater than zero, but got dH: {} dW: {}", op,
              w.stride_h, w.stride_w);
  EMBER_CHECK(w.dilation_h > 0 && w.dilation_w > 0,
              "[{}] dilation should be greater than zero, but got dilationH: {} dilationW: {}", op, w.dilation_h,
              w.dilation_w);
  for (auto [pad, kernel] : {std::pair{w.pad_h, w.kernel_h}, std::pair{w.pad_w, w.kernel_w}}) {
    EMBER_CHECK(pad >= 0, "[{}] pad must be non-negative, but got pad: {}", op, pad);
    EMBER_CHECK(pad <= kernel / 2, "[{}] pad should be at most half of kernel size, but got pad={} and kernel_size={}",
                op, pad, kernel);
  }
  const int64_t nd = input.dim();
  EMBER_CHECK((nd == 3 || nd == 4) && input.size(-1) != 0 && input.size(-2) != 0 && input.size(-3) != 0,
              "[{}] Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:{}", op,
              shape_str(input.sizes()));
  const int64_t channels = input.size(-3), height = input.size(-2), width = input.size(-1);
  const int64_t out_h = pooled_size(op, height, w.kernel_h, w.pad_h, w.stride_h, w.dilation_h, ceil_mode);
  const int64_t out_w = pooled_size(op, width, w.kernel_w, w.pad_w, w.stride_w, w.dilation_w, ceil_mode);
  EMBER_CHECK(out_h >= 1 && out_w >= 1,
              "[{}] Given input size: ({}x{}x{}). Calculated output size: ({}x{}x{}). Output size is too small", op,
              channels, height, width, channels, out_h, out_w);
  DimVector sizes(input.sizes());
  sizes[size_t(nd - 2)] = out_h;
  sizes[size_t(nd - 1)] = out_w;
  return sizes;
}

void check_float_dtype(std::string_view op, const Tensor& t, bool allow_long = false) {
  const ScalarType dt = t.dtype();
  EMBER_CHECK(dt == kFloat || dt == kDouble || dt == kBFloat16 || (allow_long && dt == kLong),
              "[{}] \"{}\" not implemented for '{}'; convert to Float first", op, op, to_string(dt));
}

// Max pool call layout: inputs {self}; attrs {kernel_size, stride, padding, dilation, ceil_mode}. code 1 also
// returns the indices.
void max_pool2d_meta(const OpDef& def, const OpCall& call, MetaOutputs& out) {
  const Tensor& input = call.input(0);
  const Window2d w = pool_window("max_pool2d", call, true);
  const DimVector sizes = pool2d_shape("max_pool2d", input, w, call.bool_attr(4));
  check_float_dtype("max_pool2d", input);
  out.push_back({sizes, {}, 0, input.dtype(), input.device()});
  if (def.code == 1) out.push_back({sizes, {}, 0, kLong, input.device()});
}

void max_pool2d_kernel(const OpDef& def, const OpCall& call, Outputs& outputs) {
  const Tensor& input = call.input(0);
  const bool batched = input.dim() == 4;
  StridedView indices;  // data == nullptr: values only
  if (def.code == 1) indices = plane_view(outputs[1], 2, batched);
  kernels::cpu::max_pool2d(plane_view(outputs[0], 2, batched), indices, plane_view(input, 2, batched),
                           pool_window("max_pool2d", call, true));
}

const OpDef max_pool2d_def{"max_pool2d",
                           "(Tensor self, int[2] kernel_size, int[2] stride=[], int[2] padding=0, int[2] dilation=1, "
                           "bool ceil_mode=False) -> Tensor",
                           OpKind::Compute, FusionClass::Extern, max_pool2d_meta, max_pool2d_kernel, nullptr,
                           {max_pool2d_backward, save({0}), kSaveNone}, nullptr, 0};
const OpDef max_pool2d_with_indices_def{"max_pool2d_with_indices",
                                        "(Tensor self, int[2] kernel_size, int[2] stride=[], int[2] padding=0, "
                                        "int[2] dilation=1, bool ceil_mode=False) -> (Tensor, Tensor)",
                                        OpKind::Compute, FusionClass::Extern, max_pool2d_meta, max_pool2d_kernel,
                                        nullptr, {max_pool2d_backward, kSaveNone, save({1})}, nullptr, 1};

// Avg pool call layout: inputs {self}; attrs {kernel_size, stride, padding, ceil_mode, count_include_pad,
// divisor_override (int or None)}.
void avg_pool2d_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& input = call.input(0);
  const Window2d w = pool_window("avg_pool2d", call, false);
  EMBER_CHECK(!call.has(5) || call.int_attr(5) != 0, "[avg_pool2d] divisor must be not zero");
  const DimVector sizes = pool2d_shape("avg_pool2d", input, w, call.bool_attr(3));
  check_float_dtype("avg_pool2d", input, true);
  out.push_back({sizes, {}, 0, input.dtype(), input.device()});
}

void avg_pool2d_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  const Tensor& input = call.input(0);
  const bool batched = input.dim() == 4;
  const std::optional<int64_t> divisor = call.has(5) ? std::optional<int64_t>(call.int_attr(5)) : std::nullopt;
  kernels::cpu::avg_pool2d(plane_view(outputs[0], 2, batched), plane_view(input, 2, batched),
                           pool_window("avg_pool2d", call, false), call.bool_attr(4), divisor);
}

const OpDef avg_pool2d_def{"avg_pool2d",
                           "(Tensor self, int[2] kernel_size, int[2] stride=[], int[2] padding=0, bool ceil_mode=False, "
                           "bool count_include_pad=True, int? divisor_override=None) -> Tensor",
                           OpKind::Compute, FusionClass::Extern, avg_pool2d_meta, avg_pool2d_kernel, nullptr,
                           {avg_pool2d_backward, kSaveNone, kSaveNone}, nullptr, 0};

// Call layout: inputs {self}; attrs {output_size}.
void adaptive_avg_pool2d_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& input = call.input(0);
  const IntArrayRef size = call.ints_attr(0);
  EMBER_CHECK(size.size() == 2, "[adaptive_avg_pool2d] adaptive_avg_pool2d: output_size must be 2, got {}",
              list_str(size));
  EMBER_CHECK(size[0] >= 0 && size[1] >= 0,
              "[adaptive_avg_pool2d] adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 "
              "but received {{{}, {}}}",
              size[0], size[1]);
  EMBER_CHECK(input.dim() == 3 || input.dim() == 4,
              "[adaptive_avg_pool2d] adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got {}",
              shape_str(input.sizes()));
  for (int64_t d = input.dim() - 3; d < input.dim(); ++d)
    EMBER_CHECK(input.size(d) > 0,
                "[adaptive_avg_pool2d] adaptive_avg_pool2d(): Expected input to have non-zero size for non-batch "
                "dimensions, but input has sizes {} with dimension {} being empty",
                shape_str(input.sizes()), d);
  check_float_dtype("adaptive_avg_pool2d", input);
  DimVector sizes(input.sizes());
  sizes[size_t(input.dim() - 2)] = size[0];
  sizes[size_t(input.dim() - 1)] = size[1];
  out.push_back({sizes, {}, 0, input.dtype(), input.device()});
}

void adaptive_avg_pool2d_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  const bool batched = call.input(0).dim() == 4;
  kernels::cpu::adaptive_avg_pool2d(plane_view(outputs[0], 2, batched), plane_view(call.input(0), 2, batched));
}

const OpDef adaptive_avg_pool2d_def{"adaptive_avg_pool2d", "(Tensor self, int[2] output_size) -> Tensor",
                                    OpKind::Compute, FusionClass::Extern, adaptive_avg_pool2d_meta,
                                    adaptive_avg_pool2d_kernel, nullptr,
                                    {adaptive_avg_pool2d_backward, kSaveNone, kSaveNone}, nullptr, 0};

// 1-D pools: (N, C, L) or (C, L) viewed as (N, C, 1, L) or (C, 1, L).
Tensor pool1d_input(std::string_view op, const Tensor& self) {
  EMBER_CHECK(self.dim() == 2 || self.dim() == 3,
              "[{}] {}: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for input, but got:{}",
              op, op, shape_str(self.sizes()));
  return self.unsqueeze(-2);
}

int64_t pool1d_param(std::string_view op, IntArrayRef values, const char* name) {
  EMBER_CHECK(values.size() == 1, "[{}] {}() {} must be a single int, but got {}", op, op, name, list_str(values));
  return values[0];
}

// ---- padding ----

// constant_pad_nd call layout: inputs {self}; attrs {pad, value (Scalar)}.
DimVector constant_pad_shape(const Tensor& self, IntArrayRef pad) {
  check_pads_negatable("constant_pad_nd", pad);
  EMBER_CHECK(pad.size() % 2 == 0, "[constant_pad_nd] Length of pad must be even but instead it equals {}",
              pad.size());
  EMBER_CHECK(int64_t(pad.size() / 2) <= self.dim(),
              "[constant_pad_nd] Length of pad should be no more than twice the number of dimensions of the input. "
              "Pad length is {} while the input has {} dimensions.",
              pad.size(), self.dim());
  DimVector sizes(self.sizes());
  // As in PyTorch, pure cropping may empty a dim, but padding anywhere requires non-empty padded dims.
  const bool any_padding = std::any_of(pad.begin(), pad.end(), [](int64_t p) { return p > 0; });
  for (size_t i = 0; i < pad.size() / 2; ++i) {
    const size_t d = size_t(self.dim()) - 1 - i;
    const int64_t before = pad[2 * i], after = pad[2 * i + 1];
    const int64_t n = mul_add("constant_pad_nd", 1, before, mul_add("constant_pad_nd", 1, after, sizes[d]));
    EMBER_CHECK(any_padding ? n > 0 : n >= 0,
                "[constant_pad_nd] The input size {}, plus negative padding {} and {} resulted in a negative output "
                "size, which is invalid. Check dimension {} of your input.",
                sizes[d], before, after, d);
    sizes[d] = n;
  }
  return sizes;
}

void constant_pad_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& self = call.input(0);
  out.push_back({constant_pad_shape(self, call.ints_attr(0)), {}, 0, self.dtype(), self.device()});
}

void constant_pad_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  const Tensor& self = call.input(0);
  const IntArrayRef pad = call.ints_attr(0);
  const Scalar& value = call.scalar_attr(1);
  StridedView dst = detail::strided_view(outputs[0]);
  kernels::cpu::fill(dst, {value.toDouble(), value.toLong()});
  // Then the part of the input that survives any cropping goes in the middle.
  StridedView src = detail::strided_view(self);
  for (size_t i = 0; i < pad.size() / 2; ++i) {
    const size_t d = size_t(self.dim()) - 1 - i;
    const int64_t before = pad[2 * i], after = pad[2 * i + 1];
    const int64_t kept = self.size(int64_t(d)) - std::max<int64_t>(-before, 0) - std::max<int64_t>(-after, 0);
    if (kept <= 0) return;
    src.data = static_cast<char*>(src.data) + std::max<int64_t>(-before, 0) * src.strides[d] * self.element_size();
    dst.data = static_cast<char*>(dst.data) + std::max<int64_t>(before, 0) * dst.strides[d] * self.element_size();
    src.sizes[d] = dst.sizes[d] = kept;
  }
  if (src.numel() > 0) kernels::cpu::copy(dst, src);
}

const OpDef constant_pad_nd_def{"constant_pad_nd", "(Tensor self, int[] pad, Scalar value=0) -> Tensor",
                                OpKind::Compute, FusionClass::Extern, constant_pad_meta, constant_pad_kernel, nullptr,
                                {constant_pad_backward, kSaveNone, kSaveNone}, nullptr, 0};

// Reflect / replicate / circular padding ops; code = mode * 4 + padded dims (0 for circular: from the pad
// length). Call layout: inputs {self}; attrs {padding}.
using kernels::cpu::PadMode;

void mode_pad_meta(const OpDef& def, const OpCall& call, MetaOutputs& out) {
  const Tensor& self = call.input(0);
  const IntArrayRef pad = call.ints_attr(0);
  const PadMode mode = PadMode(def.code / 4);
  const int64_t dims = def.code % 4 == 0 ? int64_t(pad.size() / 2) : def.code % 4;
  check_pads_negatable(def.name, pad);
  EMBER_CHECK(int64_t(pad.size()) == 2 * dims && dims >= 1 && dims <= 3,
              "[{}] padding size is expected to be {}, but got {}", def.name, 2 * dims, pad.size());
  const int64_t nd = self.dim();
  bool non_empty = nd == dims + 1 || nd == dims + 2;
  for (int64_t d = nd - dims - 1; non_empty && d < nd; ++d) non_empty = d < 0 || self.size(d) != 0;
  EMBER_CHECK(non_empty,
              "[{}] Expected {}D or {}D (batch mode) tensor with possibly 0 batch size and other non-zero dimensions "
              "for input, but got: {}",
              def.name, dims + 1, dims + 2, shape_str(self.sizes()));
  DimVector sizes(self.sizes());
  std::string in_desc, out_desc;
  bool negative = false, all_empty = true;
  for (int64_t i = 0; i < dims; ++i) {
    // pad lists the last dim first.
    const int64_t d = nd - 1 - i;
    const int64_t n = self.size(d), before = pad[size_t(2 * i)], after = pad[size_t(2 * i + 1)];
    if (mode == PadMode::Reflect)
      EMBER_CHECK(before < n && after < n,
                  "[{}] Padding size should be less than the corresponding input dimension, but got: padding ({}, {}) "
                  "at dimension {} of input {}",
                  def.name, before, after, d, shape_str(self.sizes()));
    if (mode == PadMode::Circular) {
      const int64_t kept = n - std::max<int64_t>(-before, 0) - std::max<int64_t>(-after, 0);
      EMBER_CHECK(before <= kept && after <= kept,
                  "[{}] Padding value causes wrapping around more than once: padding ({}, {}) at dimension {} of "
                  "input {} (at most {} per side)",
                  def.name, before, after, d, shape_str(self.sizes()), std::max<int64_t>(kept, 0));
    }
    sizes[size_t(d)] = mul_add(def.name, 1, before, mul_add(def.name, 1, after, n));
    negative = negative || sizes[size_t(d)] < 0;
    all_empty = all_empty && sizes[size_t(d)] < 1;
  }
  // PyTorch 1.13 refuses an output only when every padded dim is empty (circular: never), or a size is negative.
  if (negative || (all_empty && mode != PadMode::Circular)) {
    static constexpr const char* kNames[] = {"D", "H", "W"};
    for (int64_t i = dims - 1; i >= 0; --i) {
      const int64_t d = nd - 1 - i;
      const char* name = kNames[3 - 1 - i];
      in_desc += fmt::format("{}{}: {}", in_desc.empty() ? "" : ", ", name, self.size(d));
      out_desc += fmt::format(" {}: {}", name, sizes[size_t(d)]);
    }
    EMBER_FAIL("[{}] input ({}) is too small. Calculated output{}", def.name, in_desc, out_desc);
  }
  out.push_back({sizes, {}, 0, self.dtype(), self.device()});
}

void mode_pad_kernel(const OpDef& def, const OpCall& call, Outputs& outputs) {
  const IntArrayRef pad = call.ints_attr(0);
  const int64_t dims = int64_t(pad.size() / 2);
  DimVector before;
  for (int64_t d = dims - 1; d >= 0; --d) before.push_back(pad[size_t(2 * d)]);
  kernels::cpu::pad(PadMode(def.code / 4), detail::strided_view(outputs[0]), detail::strided_view(call.input(0)),
                    before);
}

#define EMBER_MODE_PAD_DEF(var, name, mode, dims)                                                               \
  const OpDef var{name, "(Tensor self, int[] padding) -> Tensor", OpKind::Compute, FusionClass::Extern,      \
                  mode_pad_meta, mode_pad_kernel, nullptr, {mode_pad_backward, kSaveNone, kSaveNone},  \
                  nullptr, int32_t(mode) * 4 + (dims)};
EMBER_MODE_PAD_DEF(reflection_pad1d_def, "reflection_pad1d", PadMode::Reflect, 1)
EMBER_MODE_PAD_DEF(reflection_pad2d_def, "reflection_pad2d", PadMode::Reflect, 2)
EMBER_MODE_PAD_DEF(reflection_pad3d_def, "reflection_pad3d", PadMode::Reflect, 3)
EMBER_MODE_PAD_DEF(replication_pad1d_def, "replication_pad1d", PadMode::Replicate, 1)
EMBER_MODE_PAD_DEF(replication_pad2d_def, "replication_pad2d", PadMode::Replicate, 2)
EMBER_MODE_PAD_DEF(replication_pad3d_def, "replication_pad3d", PadMode::Replicate, 3)
EMBER_MODE_PAD_DEF(pad_circular_def, "_pad_circular", PadMode::Circular, 0)
#undef EMBER_MODE_PAD_DEF

// ---- resampling ----
// code = kind * 4 + spatial dims, kind 0 nearest, 1 nearest-exact, 2 linear. Call layout: inputs {self};
// attrs {output_size, align_corners (linear only), scales... (double or None)}.
enum class Resample : int32_t { Nearest, NearestExact, Linear };

size_t first_scale_attr(Resample kind) { return kind == Resample::Linear ? 2 : 1; }

void upsample_meta(const OpDef& def, const OpCall& call, MetaOutputs& out) {
  const Tensor& self = call.input(0);
  const Resample kind = Resample(def.code / 4);
  const int64_t spatial = def.code % 4;
  const IntArrayRef size = call.ints_attr(0);
  EMBER_CHECK(int64_t(size.size()) == spatial, "[{}] It is expected output_size equals to {}, but got size {}",
              def.name, spatial, size.size());
  EMBER_CHECK(self.dim() == spatial + 2, "[{}] It is expected input_size equals to {}, but got size {}", def.name,
              spatial + 2, self.dim());
  bool positive = true;
  std::string in_desc, out_desc;
  for (int64_t d = 0; d < spatial; ++d) {
    const char* name = spatial == 2 && d == 0 ? "H" : "W";
    positive = positive && self.size(d + 2) > 0 && size[size_t(d)] > 0;
    in_desc += fmt::format("{}{}: {}", d ? ", " : "", name, self.size(d + 2));
    out_desc += fmt::format("{}{}: {}", d ? ", " : "", name, size[size_t(d)]);
  }
  EMBER_CHECK(positive, "[{}] Input and output sizes should be greater than 0, but got input ({}) output ({})",
              def.name, in_desc, out_desc);
  EMBER_CHECK(self.size(1) > 0, "[{}] Non-empty {}D data tensor expected but got a tensor with sizes {}", def.name,
              spatial + 2, shape_str(self.sizes()));
  if (kind == Resample::Linear) check_float_dtype(def.name, self);
  DimVector sizes{self.size(0), self.size(1)};
  sizes.append(size.begin(), size.end());
  out.push_back({sizes, {}, 0, self.dtype(), self.device()});
}

void upsample_kernel(const OpDef& def, const OpCall& call, Outputs& outputs) {
  const Resample kind = Resample(def.code / 4);
  const int64_t spatial = def.code % 4;
  SmallVector<double, 3> scales;
  for (int64_t d = 0; d < spatial; ++d) {
    const size_t a = first_scale_attr(kind) + size_t(d);
    scales.push_back(call.has(a) ? call.double_attr(a) : 0.0);
  }
  const StridedView out = detail::strided_view(outputs[0]), in = detail::strided_view(call.input(0));
  if (kind == Resample::Linear) kernels::cpu::upsample_linear(out, in, scales, call.bool_attr(1));
  else kernels::cpu::upsample_nearest(out, in, scales, kind == Resample::NearestExact);
}

#define EMBER_UPSAMPLE_DEF(var, name, schema, kind, dims)                                                       \
  const OpDef var{name, schema, OpKind::Compute, FusionClass::Extern, upsample_meta, upsample_kernel, nullptr, \
                  {upsample_backward, kSaveNone, kSaveNone}, nullptr, int32_t(kind) * 4 + (dims)};
EMBER_UPSAMPLE_DEF(upsample_nearest1d_def, "upsample_nearest1d",
                   "(Tensor self, int[1] output_size, float? scales=None) -> Tensor", Resample::Nearest, 1)
EMBER_UPSAMPLE_DEF(upsample_nearest2d_def, "upsample_nearest2d",
                   "(Tensor self, int[2] output_size, float? scales_h=None, float? scales_w=None) -> Tensor",
                   Resample::Nearest, 2)
EMBER_UPSAMPLE_DEF(upsample_nearest_exact1d_def, "_upsample_nearest_exact1d",
                   "(Tensor self, int[1] output_size, float? scales=None) -> Tensor", Resample::NearestExact, 1)
EMBER_UPSAMPLE_DEF(upsample_nearest_exact2d_def, "_upsample_nearest_exact2d",
                   "(Tensor self, int[2] output_size, float? scales_h=None, float? scales_w=None) -> Tensor",
                   Resample::NearestExact, 2)
EMBER_UPSAMPLE_DEF(upsample_linear1d_def, "upsample_linear1d",
                   "(Tensor self, int[1] output_size, bool align_corners, float? scales=None) -> Tensor",
                   Resample::Linear, 1)
EMBER_UPSAMPLE_DEF(upsample_bilinear2d_def, "upsample_bilinear2d",
                   "(Tensor self, int[2] output_size, bool align_corners, float? scales_h=None, "
                   "float? scales_w=None) -> Tensor",
                   Resample::Linear, 2)
#undef EMBER_UPSAMPLE_DEF

Attr optional_double(std::optional<double> v) { return v ? Attr(*v) : Attr(std::monostate{}); }

Tensor call_upsample(const OpDef& def, const Tensor& self, IntArrayRef output_size, std::optional<bool> align_corners,
                     std::optional<double> scale_h, std::optional<double> scale_w, bool two_d) {
  OpCall call{{self}, {DimVector(output_size)}};
  if (align_corners) call.attrs.push_back(*align_corners);
  call.attrs.push_back(optional_double(scale_h));
  if (two_d) call.attrs.push_back(optional_double(scale_w));
  return dispatch_one(def, call);
}


// ---- backward formulas ----
// Every formula is written with ember ops (convolution, constant_pad_nd, matmul, scatter_add, views), so it is
// differentiable itself. The linear resampling, pooling and padding ops are separable: along each spatial dim the
// op multiplies by a constant (out x in) matrix built from the geometry alone (never from tensor data), so the
// gradient contracts the incoming gradient with those matrices.

// Pads (or, with negative amounts, crops) dim `dim` of t only.
Tensor pad_dim(const Tensor& t, int64_t dim, int64_t before, int64_t after) {
  if (before == 0 && after == 0) return t;
  DimVector pads(size_t(2 * (t.dim() - dim)), 0);
  const size_t i = size_t(t.dim() - 1 - dim);
  pads[2 * i] = before;
  pads[2 * i + 1] = after;
  return constant_pad_nd(t, pads, 0);
}

// A constant (rows x cols) matrix of the gradient's dtype and device.
Tensor geometry_matrix(const std::vector<double>& m, int64_t rows, int64_t cols, const Tensor& like) {
  return tensor(m, TensorOptions(kDouble)).reshape({rows, cols}).to(like.device(), like.dtype());
}

// Contracts dim `dim` of g (size rows of a) with a (rows x cols): the transpose of the op's map along that dim.
Tensor apply_transposed(const Tensor& g, int64_t dim, const Tensor& a) {
  if (dim == g.dim() - 1) return g.matmul(a);
  return g.movedim(dim, -1).matmul(a).movedim(-1, dim);
}

// Inserts stride - 1 zeros between the elements of dim `dim`.
Tensor dilate_dim(const Tensor& t, int64_t dim, int64_t stride) {
  if (stride == 1 || t.size(dim) == 0) return t;
  DimVector sizes(t.sizes());
  sizes[size_t(dim)] *= stride;
  Tensor r = pad_dim(t.unsqueeze(dim + 1), dim + 1, 0, stride - 1).reshape(sizes);
  return pad_dim(r, dim, 0, -(stride - 1));
}

// convolution: input grad is the transposed convolution (a stride-1 convolution of the dilated, padded gradient
// with the flipped, group-transposed weight); weight grad is a convolution of the input with the gradient as
// kernel (stride and dilation swapped), groups folded into channels; bias grad sums over batch and space.
GradList convolution_backward(const GradContext& ctx) {
  const Tensor& g = ctx.grad(0);
  const IntArrayRef in_sizes = ctx.input_sizes(0), w_sizes = ctx.input_sizes(1);
  const int64_t spatial = int64_t(w_sizes.size()) - 2;
  const ConvGeometry geo = conv_geometry(ctx.call, spatial);
  const int64_t groups = geo.groups, out_ch = w_sizes[0], in_per_group = w_sizes[1];
  const int64_t out_per_group = out_ch / groups;
  GradList out(ctx.input_metas.size());
  const DimVector ones(size_t(spatial), 1), zeros(size_t(spatial), 0);
  if (ctx.needs(0)) {
    const Tensor& w = ctx.input(1);
    DimVector split{groups, out_per_group, in_per_group}, merged{groups * in_per_group, out_per_group};
    std::vector<int64_t> flip_dims;
    for (int64_t d = 0; d < spatial; ++d) {
      split.push_back(w_sizes[size_t(d + 2)]);
      merged.push_back(w_sizes[size_t(d + 2)]);
      flip_dims.push_back(d + 2);
    }
    const Tensor wt = w.reshape(split).transpose(1, 2).reshape(merged).flip(flip_dims);
    Tensor gd = g;
    for (int64_t d = 0; d < spatial; ++d) {
      const int64_t dim = d + 2, k = w_sizes[size_t(dim)], dil = geo.dilation[size_t(d)];
      gd = dilate_dim(gd, dim, geo.stride[size_t(d)]);
      const int64_t extent = dil * (k - 1) + 1;
      const int64_t before = extent - 1 - geo.padding[size_t(d)];
      const int64_t after = in_sizes[size_t(dim)] + extent - 1 - before - gd.size(dim);
      gd = pad_dim(gd, dim, before, after);
    }
    out[0] = convolution(gd, wt, std::nullopt, ones, zeros, geo.dilation, false, zeros, groups);
  }
  if (ctx.needs(1)) {
    const Tensor& x = ctx.input(0);
    const int64_t n = in_sizes[0];
    DimVector xs{n, groups, in_per_group}, xm{in_per_group, groups * n}, gs{n, groups, out_per_group},
        gm{out_ch, n};
    std::vector<int64_t> xperm{2, 1, 0}, gperm{1, 2, 0};
    for (int64_t d = 0; d < spatial; ++d) {
      xs.push_back(in_sizes[size_t(d + 2)]);
      xm.push_back(in_sizes[size_t(d + 2)]);
      gs.push_back(g.size(d + 2));
      gm.push_back(g.size(d + 2));
      xperm.push_back(d + 3);
      gperm.push_back(d + 3);
    }
    const Tensor xg = x.reshape(xs).permute(xperm).reshape(xm);
    const Tensor gg = g.reshape(gs).permute(gperm).reshape(gm);
    Tensor r = convolution(xg, gg, std::nullopt, geo.dilation, geo.padding, geo.stride, false, zeros, groups)
                   .transpose(0, 1);
    // The correlation may reach past the kernel (trailing positions no output used): crop it.
    for (int64_t d = 0; d < spatial; ++d) r = pad_dim(r, d + 2, 0, w_sizes[size_t(d + 2)] - r.size(d + 2));
    out[1] = r;
  }
  if (out.size() > 2 && ctx.needs(2)) {
    std::vector<int64_t> dims{0};
    for (int64_t d = 0; d < spatial; ++d) dims.push_back(d + 2);
    out[2] = g.sum(dims);
  }
  return out;
}

// max_pool2d(_with_indices): the gradient goes to the position each window's index names (summed where windows
// overlap), as max_pool2d_with_indices_backward does. max_pool2d recomputes the indices from the saved input.
GradList max_pool2d_backward(const GradContext& ctx) {
  Tensor indices;
  if (ctx.op.code == 1) {
    indices = ctx.output(1);
  } else {
    const OpCall& c = ctx.call;
    indices = std::get<1>(max_pool2d_with_indices(ctx.input(0).detach(), c.ints_attr(0), c.ints_attr(1),
                                                  c.ints_attr(2), c.ints_attr(3), c.bool_attr(4)));
  }
  const IntArrayRef sizes = ctx.input_sizes(0);
  const int64_t nd = int64_t(sizes.size());
  const int64_t plane = sizes[size_t(nd - 2)] * sizes[size_t(nd - 1)];
  int64_t planes = 1;
  for (int64_t d = 0; d < nd - 2; ++d) planes *= sizes[size_t(d)];
  const Tensor& g = ctx.grad(0);
  const Tensor flat = zeros({planes, plane}, TensorOptions(g.dtype()).device(g.device()));
  return {flat.scatter_add(1, indices.reshape({planes, -1}), g.reshape({planes, -1})).reshape(sizes)};
}

// Window matrices of avg_pool2d along one dim: A[i, k] = 1 / divisor part for k inside window i.
std::vector<double> avg_pool_matrix(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t pad,
                                    bool count_include_pad, bool has_override) {
  std::vector<double> m(size_t(out * in), 0.0);
  for (int64_t i = 0; i < out; ++i) {
    int64_t start = i * stride - pad;
    int64_t end = std::min(start + kernel, in + pad);
    const int64_t pool = end - start;
    start = std::max<int64_t>(start, 0);
    end = std::min(end, in);
    const int64_t count = has_override ? 1 : count_include_pad ? pool : end - start;
    for (int64_t k = start; k < end; ++k) m[size_t(i * in + k)] = 1.0 / double(count);
  }
  return m;
}

// avg_pool2d: window sums over a divisor that factors into per-dim parts (or divisor_override).
GradList avg_pool2d_backward(const GradContext& ctx) {
  const Window2d w = pool_window("avg_pool2d", ctx.call, false);
  const bool include_pad = ctx.call.bool_attr(4), has_override = ctx.call.has(5);
  const IntArrayRef sizes = ctx.input_sizes(0);
  const int64_t nd = int64_t(sizes.size());
  Tensor g = ctx.grad(0);
  const int64_t in_h = sizes[size_t(nd - 2)], in_w = sizes[size_t(nd - 1)];
  const int64_t out_h = g.size(-2), out_w = g.size(-1);
  const Tensor ah = geometry_matrix(
      avg_pool_matrix(in_h, out_h, w.kernel_h, w.stride_h, w.pad_h, include_pad, has_override), out_h, in_h, g);
  const Tensor aw = geometry_matrix(
      avg_pool_matrix(in_w, out_w, w.kernel_w, w.stride_w, w.pad_w, include_pad, has_override), out_w, in_w, g);
  Tensor r = apply_transposed(apply_transposed(g, nd - 1, aw), nd - 2, ah);
  if (has_override) r = r * (1.0 / double(ctx.call.int_attr(5)));
  return {r};
}

std::vector<double> adaptive_matrix(int64_t in, int64_t out) {
  std::vector<double> m(size_t(out * in), 0.0);
  for (int64_t i = 0; i < out; ++i) {
    const int64_t start = i * in / out, stop = ((i + 1) * in + out - 1) / out;
    for (int64_t k = start; k < stop; ++k) m[size_t(i * in + k)] = 1.0 / double(stop - start);
  }
  return m;
}

GradList adaptive_avg_pool2d_backward(const GradContext& ctx) {
  const IntArrayRef sizes = ctx.input_sizes(0);
  const int64_t nd = int64_t(sizes.size());
  const Tensor& g = ctx.grad(0);
  const int64_t in_h = sizes[size_t(nd - 2)], in_w = sizes[size_t(nd - 1)], out_h = g.size(-2), out_w = g.size(-1);
  const Tensor ah = geometry_matrix(adaptive_matrix(in_h, out_h), out_h, in_h, g);
  const Tensor aw = geometry_matrix(adaptive_matrix(in_w, out_w), out_w, in_w, g);
  return {apply_transposed(apply_transposed(g, nd - 1, aw), nd - 2, ah)};
}

// constant_pad_nd: the gradient is the padded output cropped back (negated pads; a crop pads the gradient with
// zeros), as PyTorch's constant_pad_nd_backward.
GradList constant_pad_backward(const GradContext& ctx) {
  DimVector neg;
  for (int64_t p : ctx.call.ints_attr(0)) neg.push_back(-p);
  return {constant_pad_nd(ctx.grad(0), neg, 0)};
}

// reflection / replication / circular pads: each output element copies one input element; per padded dim the
// copy is a 0/1 matrix, and the gradient sums the copies back.
GradList mode_pad_backward(const GradContext& ctx) {
  const PadMode mode = PadMode(ctx.op.code / 4);
  const IntArrayRef pad = ctx.call.ints_attr(0);
  const IntArrayRef sizes = ctx.input_sizes(0);
  const int64_t nd = int64_t(sizes.size()), dims = int64_t(pad.size() / 2);
  Tensor g = ctx.grad(0);
  for (int64_t i = 0; i < dims; ++i) {
    const int64_t d = nd - 1 - i, n = sizes[size_t(d)];
    const int64_t before = pad[size_t(2 * i)], after = pad[size_t(2 * i + 1)];
    const int64_t out = n + before + after;
    const int64_t cropped = std::max<int64_t>(-before, 0);
    const int64_t kept = n - cropped - std::max<int64_t>(-after, 0);
    std::vector<double> m(size_t(out * n), 0.0);
    for (int64_t j = 0; j < out; ++j) m[size_t(j * n + kernels::cpu::pad_source(mode, j, before, n, cropped, kept))] += 1.0;
    g = apply_transposed(g, d, geometry_matrix(m, out, n, g));
  }
  return {g};
}

// Resampling matrices along one dim, computed as the kernels do (kernels/cpu/pool.cpp).
template <typename Acc>
std::vector<double> resample_matrix(Resample kind, int64_t in, int64_t out, double scale, bool align_corners) {
  std::vector<double> m(size_t(out * in), 0.0);
  if (kind != Resample::Linear) {
    const Acc step = scale > 0 ? Acc(1.0 / scale) : Acc(in) / Acc(out);
    for (int64_t j = 0; j < out; ++j) {
      const Acc src = kind == Resample::NearestExact ? step * (Acc(j) + Acc(0.5)) : step * Acc(j);
      const int64_t i = std::clamp<int64_t>(int64_t(std::floor(double(float(src)))), 0, in - 1);
      m[size_t(j * in + i)] += 1.0;
    }
    return m;
  }
  Acc step;
  if (align_corners) step = out > 1 ? Acc(in - 1) / Acc(out - 1) : Acc(0);
  else step = scale > 0 ? Acc(1.0 / scale) : Acc(in) / Acc(out);
  for (int64_t j = 0; j < out; ++j) {
    if (in == out) {
      m[size_t(j * in + j)] += 1.0;
      continue;
    }
    double src = align_corners ? double(step) * double(j) : std::fma(double(step), double(j) + 0.5, -0.5);
    src = std::max(src, 0.0);
    const int64_t i0 = std::min<int64_t>(int64_t(src), in - 1);
    const double l1 = std::clamp(src - double(i0), 0.0, 1.0);
    const int64_t i1 = i0 < in - 1 ? i0 + 1 : i0;
    m[size_t(j * in + i0)] += double(Acc(1.0 - l1));
    m[size_t(j * in + i1)] += double(Acc(l1));
  }
  return m;
}

GradList upsample_backward(const GradContext& ctx) {
  const Resample kind = Resample(ctx.op.code / 4);
  const int64_t spatial = ctx.op.code % 4;
  const IntArrayRef sizes = ctx.input_sizes(0);
  const bool align_corners = kind == Resample::Linear && ctx.call.bool_attr(1);
  const bool is_double = ctx.input_dtype(0) == kDouble;
  Tensor g = ctx.grad(0);
  for (int64_t d = spatial - 1; d >= 0; --d) {
    const size_t a = first_scale_attr(kind) + size_t(d);
    const double scale = ctx.call.has(a) ? ctx.call.double_attr(a) : 0.0;
    const int64_t in = sizes[size_t(d + 2)], out = g.size(d + 2);
    const std::vector<double> m = is_double ? resample_matrix<double>(kind, in, out, scale, align_corners)
                                            : resample_matrix<float>(kind, in, out, scale, align_corners);
    g = apply_transposed(g, d + 2, geometry_matrix(m, out, in, g));
  }
  return {g};
}

}  // namespace

void register_conv_ops(OpRegistry& r) {
  for (const OpDef* d :
       {&convolution_def, &max_pool2d_def, &max_pool2d_with_indices_def, &avg_pool2d_def, &adaptive_avg_pool2d_def,
        &constant_pad_nd_def, &reflection_pad1d_def, &reflection_pad2d_def, &reflection_pad3d_def,
        &replication_pad1d_def, &replication_pad2d_def, &replication_pad3d_def, &pad_circular_def,
        &upsample_nearest1d_def, &upsample_nearest2d_def, &upsample_nearest_exact1d_def,
        &upsample_nearest_exact2d_def, &upsample_linear1d_def, &upsample_bilinear2d_def})
    r.add(d);
}

// ---- convolution ----

Tensor convolution(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias, IntArrayRef stride,
                   IntArrayRef padding, IntArrayRef dilation, bool transposed, IntArrayRef output_padding,
                   int64_t groups) {
  OpCall call{{input, weight},
              {DimVector(stride), DimVector(padding), DimVector(dilation), transposed, DimVector(output_padding),
               groups}};
  if (bias && bias->defined()) call.inputs.push_back(*bias);
  return dispatch_one(convolution_def, call);
}

Tensor conv1d(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias, IntArrayRef stride,
              IntArrayRef padding, IntArrayRef dilation, int64_t groups) {
  return conv_nd(1, input, weight, bias, stride, padding, dilation, groups);
}

Tensor conv2d(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias, IntArrayRef stride,
              IntArrayRef padding, IntArrayRef dilation, int64_t groups) {
  return conv_nd(2, input, weight, bias, stride, padding, dilation, groups);
}

Tensor detail::conv_with_padding_mode(int64_t spatial, const Tensor& input, const Tensor& weight,
                                      const std::optional<Tensor>& bias, IntArrayRef stride, std::string_view padding,
                                      IntArrayRef dilation, int64_t groups) {
  const char* name = spatial == 1 ? "conv1d" : "conv2d";
  EMBER_CHECK(input.defined() && weight.defined(), "[{}] expected defined input and weight tensors", name);
  check_conv_input_rank(spatial, input);
  if (padding == "valid") return conv_nd(spatial, input, weight, bias, stride, 0, dilation, groups);
  EMBER_CHECK(padding == "same", "[{}] Invalid padding string: '{}'; use \"valid\", \"same\" or integers", name,
              padding);
  for (int64_t s : stride)
    EMBER_CHECK(s == 1, "[{}] padding='same' is not supported for strided convolutions, got stride={}", name,
                list_str(stride));
  // Malformed weights or dilations: let the primitive report them.
  if (weight.dim() != spatial + 2 || (int64_t(dilation.size()) != spatial && dilation.size() != 1))
    return conv_nd(spatial, input, weight, bias, stride, 0, dilation, groups);
  DimVector symmetric, extra;  // extra: one more zero after than before, per spatial dim
  bool asymmetric = false;
  for (int64_t d = 0; d < spatial; ++d) {
    const int64_t dil = dilation.size() == 1 ? dilation[0] : dilation[size_t(d)];
    const int64_t total = mul_add(name, dil, weight.size(d + 2) - 1, 0);
    symmetric.push_back(std::max<int64_t>(total / 2, 0));
    extra.push_back(total > 0 ? total - 2 * (total / 2) : 0);
    asymmetric = asymmetric || extra.back() != 0;
  }
  if (!asymmetric) return conv_nd(spatial, input, weight, bias, stride, symmetric, dilation, groups);
  // An odd total padding: pad the input's end by one zero first.
  DimVector pads;
  for (int64_t d = spatial - 1; d >= 0; --d) {
    pads.push_back(0);
    pads.push_back(extra[size_t(d)]);
  }
  return conv_nd(spatial, constant_pad_nd(input, pads, 0), weight, bias, stride, symmetric, dilation, groups);
}

// ---- pooling ----

std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride,
                                                   IntArrayRef padding, IntArrayRef dilation, bool ceil_mode) {
  OpCall call{{self}, {DimVector(kernel_size), DimVector(stride), DimVector(padding), DimVector(dilation), ceil_mode}};
  Outputs out = dispatch(max_pool2d_with_indices_def, call);
  return {out[0], out[1]};
}

Tensor max_pool2d(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride, IntArrayRef padding,
                  IntArrayRef dilation, bool ceil_mode) {
  OpCall call{{self}, {DimVector(kernel_size), DimVector(stride), DimVector(padding), DimVector(dilation), ceil_mode}};
  return dispatch_one(max_pool2d_def, call);
}

std::tuple<Tensor, Tensor> max_pool1d_with_indices(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride,
                                                   IntArrayRef padding, IntArrayRef dilation, bool ceil_mode) {
  const char* op = "max_pool1d";
  const Tensor x = pool1d_input(op, self);
  const int64_t k = pool1d_param(op, kernel_size, "kernel_size");
  const int64_t s = stride.empty() ? k : pool1d_param(op, stride, "stride");
  const int64_t p = pool1d_param(op, padding, "padding"), d = pool1d_param(op, dilation, "dilation");
  EMBER_CHECK(k > 0, "[max_pool1d] max_pool1d() kernel_size must be greater than zero, but got {}", k);
  EMBER_CHECK(s > 0, "[max_pool1d] max_pool1d() stride must be greater than zero, but got {}", s);
  EMBER_CHECK(p >= 0, "[max_pool1d] max_pool1d() padding must be non-negative, but got {}", p);
  EMBER_CHECK(p <= k / 2, "[max_pool1d] max_pool1d() padding should be at most half of kernel size, but got "
              "padding={} and kernel_size={}", p, k);
  EMBER_CHECK(d > 0, "[max_pool1d] max_pool1d() dilation must be greater than zero, but got {}", d);
  auto [values, indices] = max_pool2d_with_indices(x, {1, k}, {1, s}, {0, p}, {1, d}, ceil_mode);
  return {values.squeeze(-2), indices.squeeze(-2)};
}

Tensor max_pool1d(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride, IntArrayRef padding,
                  IntArrayRef dilation, bool ceil_mode) {
  return std::get<0>(max_pool1d_with_indices(self, kernel_size, stride, padding, dilation, ceil_mode));
}

Tensor avg_pool2d(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride, IntArrayRef padding, bool ceil_mode,
                  bool count_include_pad, std::optional<int64_t> divisor_override) {
  OpCall call{{self},
              {DimVector(kernel_size), DimVector(stride), DimVector(padding), ceil_mode, count_include_pad,
               divisor_override ? Attr(*divisor_override) : Attr(std::monostate{})}};
  return dispatch_one(avg_pool2d_def, call);
}

Tensor avg_pool1d(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride, IntArrayRef padding, bool ceil_mode,
                  bool count_include_pad) {
  const char* op = "avg_pool1d";
  const Tensor x = pool1d_input(op, self);
  const int64_t k = pool1d_param(op, kernel_size, "kernel_size");
  const int64_t s = stride.empty() ? k : pool1d_param(op, stride, "stride");
  const int64_t p = pool1d_param(op, padding, "padding");
  return avg_pool2d(x, {1, k}, {1, s}, {0, p}, ceil_mode, count_include_pad).squeeze(-2);
}

Tensor adaptive_avg_pool2d(const Tensor& self, IntArrayRef output_size) {
  // A single size applies to both dims, as torch::nn::functional's ExpandingArray does.
  const DimVector size = output_size.size() == 1 ? DimVector{output_size[0], output_size[0]} : DimVector(output_size);
  OpCall call{{self}, {size}};
  return dispatch_one(adaptive_avg_pool2d_def, call);
}

Tensor adaptive_avg_pool1d(const Tensor& self, IntArrayRef output_size) {
  EMBER_CHECK(output_size.size() == 1, "[adaptive_avg_pool1d] adaptive_avg_pool1d: output_size must be 1, got {}",
              list_str(output_size));
  EMBER_CHECK(self.dim() == 2 || self.dim() == 3,
              "[adaptive_avg_pool1d] adaptive_avg_pool1d(): Expected 2D or 3D tensor, but got {}",
              shape_str(self.sizes()));
  return adaptive_avg_pool2d(self.unsqueeze(-2), {1, output_size[0]}).squeeze(-2);
}

// ---- padding ----

Tensor constant_pad_nd(const Tensor& self, IntArrayRef pad, const Scalar& value) {
  OpCall call{{self}, {DimVector(pad), value}};
  return dispatch_one(constant_pad_nd_def, call);
}

Tensor pad(const Tensor& self, IntArrayRef pad, std::string_view mode, std::optional<double> value) {
  EMBER_CHECK(pad.size() % 2 == 0, "[pad] Padding length must be divisible by 2, but got {} values", pad.size());
  EMBER_CHECK(int64_t(pad.size() / 2) <= self.dim(),
              "[pad] Padding length too large: {} values pad {} dims, but the input has only {}", pad.size(),
              pad.size() / 2, self.dim());
  if (mode == "constant") return constant_pad_nd(self, pad, value.value_or(0.0));
  const OpDef* const reflect[] = {&reflection_pad1d_def, &reflection_pad2d_def, &reflection_pad3d_def};
  const OpDef* const replicate[] = {&replication_pad1d_def, &replication_pad2d_def, &replication_pad3d_def};
  EMBER_CHECK(mode == "reflect" || mode == "replicate" || mode == "circular",
              "[pad] Unrecognised padding mode {}; use constant, reflect, replicate or circular", mode);
  EMBER_CHECK(!value, "[pad] Padding mode \"{}\" doesn't take in value argument", mode);
  const int64_t dims = int64_t(pad.size() / 2);
  EMBER_CHECK(dims >= 1 && dims <= 3 && (self.dim() == dims + 1 || self.dim() == dims + 2),
              "[pad] {} padding of {} dims needs a {}D or {}D input, but got a {}D input of size {}. Only 2D, 3D, 4D, "
              "5D padding with non-constant padding are supported for now",
              mode, dims, dims + 1, dims + 2, self.dim(), shape_str(self.sizes()));
  const OpDef& def = mode == "reflect"     ? *reflect[dims - 1]
                     : mode == "replicate" ? *replicate[dims - 1]
                                           : pad_circular_def;
  OpCall call{{self}, {DimVector(pad)}};
  return dispatch_one(def, call);
}

// ---- resampling ----

Tensor upsample_nearest1d(const Tensor& self, IntArrayRef output_size, std::optional<double> scales) {
  return call_upsample(upsample_nearest1d_def, self, output_size, std::nullopt, scales, std::nullopt, false);
}

Tensor upsample_nearest2d(const Tensor& self, IntArrayRef output_size, std::optional<double> scales_h,
                          std::optional<double> scales_w) {
  return call_upsample(upsample_nearest2d_def, self, output_size, std::nullopt, scales_h, scales_w, true);
}

Tensor _upsample_nearest_exact1d(const Tensor& self, IntArrayRef output_size, std::optional<double> scales) {
  return call_upsample(upsample_nearest_exact1d_def, self, output_size, std::nullopt, scales, std::nullopt, false);
}

Tensor _upsample_nearest_exact2d(const Tensor& self, IntArrayRef output_size, std::optional<double> scales_h,
                                 std::optional<double> scales_w) {
  return call_upsample(upsample_nearest_exact2d_def, self, output_size, std::nullopt, scales_h, scales_w, true);
}

Tensor upsample_linear1d(const Tensor& self, IntArrayRef output_size, bool align_corners,
                         std::optional<double> scales) {
  return call_upsample(upsample_linear1d_def, self, output_size, align_corners, scales, std::nullopt, false);
}

Tensor upsample_bilinear2d(const Tensor& self, IntArrayRef output_size, bool align_corners,
                           std::optional<double> scales_h, std::optional<double> scales_w) {
  return call_upsample(upsample_bilinear2d_def, self, output_size, align_corners, scales_h, scales_w, true);
}

Tensor interpolate(const Tensor& input, std::optional<std::vector<int64_t>> size,
                   std::optional<std::vector<double>> scale_factor, std::string_view mode,
                   std::optional<bool> align_corners, std::optional<bool> recompute_scale_factor) {
  const int64_t nd = input.dim();
  const bool known_mode = mode == "nearest" || mode == "nearest-exact" || mode == "linear" || mode == "bilinear" ||
                          mode == "area";
  EMBER_CHECK(known_mode,
              "[interpolate] unknown mode '{}': expected nearest, nearest-exact, linear, bilinear or area (bicubic "
              "and trilinear are not implemented yet)",
              mode);
  EMBER_CHECK(nd >= 3 && nd <= 5,
              "[interpolate] Input Error: Only 3D, 4D and 5D input Tensors supported (got {}D) for the modes: nearest "
              "| linear | bilinear | bicubic | trilinear | area | nearest-exact (got {})",
              nd, mode);
  const int64_t dims = nd - 2;
  EMBER_CHECK(!(size && scale_factor), "[interpolate] only one of size or scale_factor should be defined");
  EMBER_CHECK(size || scale_factor, "[interpolate] either size or scale_factor should be defined");
  const IntArrayRef spatial = input.sizes().slice(2);
  std::vector<int64_t> out_size;
  std::vector<double> scales;
  if (size) {
    EMBER_CHECK(size->size() == 1 || int64_t(size->size()) == dims,
                "[interpolate] Input and output must have the same number of spatial dimensions, but got input with "
                "spatial dimensions of {} and output size of {}. Please provide input tensor in (N, C, d1, d2, ...,dK) "
                "format and output size in (o1, o2, ...,oK) format.",
                shape_str(spatial), shape_str(*size));
    out_size = size->size() == 1 ? std::vector<int64_t>(size_t(dims), (*size)[0]) : *size;
    EMBER_CHECK(!recompute_scale_factor.value_or(false),
                "[interpolate] recompute_scale_factor is not meaningful with an explicit size.");
  } else {
    EMBER_CHECK(scale_factor->size() == 1 || int64_t(scale_factor->size()) == dims,
                "[interpolate] Input and scale_factor must have the same number of spatial dimensions, but got input "
                "with spatial dimensions of {} and scale_factor of shape ({}). Please provide input tensor in (N, C, "
                "d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.",
                shape_str(spatial), fmt::join(*scale_factor, ", "));
    scales = scale_factor->size() == 1 ? std::vector<double>(size_t(dims), (*scale_factor)[0]) : *scale_factor;
    for (int64_t d = 0; d < dims; ++d) {
      const double n = std::floor(double(spatial[size_t(d)]) * scales[size_t(d)]);
      EMBER_CHECK(n > -9.2e18 && n < 9.2e18, "[interpolate] scale_factor {} gives an output size ({}) that is not a "
                  "valid size; use a finite, positive scale_factor", scales[size_t(d)], n);
      out_size.push_back(int64_t(n));
    }
    // Recomputing resamples as if out_size had been given: the step becomes in / out. Area always does.
    if (recompute_scale_factor.value_or(false) || mode == "area") scales.clear();
  }
  const bool nearest = mode == "nearest" || mode == "nearest-exact" || mode == "area";
  EMBER_CHECK(!(nearest && align_corners),
              "[interpolate] align_corners option can only be set with the interpolating modes: linear | bilinear | "
              "bicubic | trilinear");
  auto scale = [&](int64_t d) { return scales.empty() ? std::nullopt : std::optional<double>(scales[size_t(d)]); };
  EMBER_CHECK(nd != 5, "[interpolate] 5-D (volumetric) resampling is not implemented yet");
  if (mode == "area")
    return nd == 3 ? adaptive_avg_pool1d(input, out_size) : adaptive_avg_pool2d(input, out_size);
  if (mode == "nearest")
    return nd == 3 ? upsample_nearest1d(input, out_size, scale(0)) : upsample_nearest2d(input, out_size, scale(0), scale(1));
  if (mode == "nearest-exact")
    return nd == 3 ? _upsample_nearest_exact1d(input, out_size, scale(0))
                   : _upsample_nearest_exact2d(input, out_size, scale(0), scale(1));
  if (mode == "linear") {
    EMBER_CHECK(nd == 3, "[interpolate] Got {}D input, but linear mode needs 3D input", nd);
    return upsample_linear1d(input, out_size, align_corners.value_or(false), scale(0));
  }
  EMBER_CHECK(nd == 4, "[interpolate] Got {}D input, but bilinear mode needs 4D input", nd);
  return upsample_bilinear2d(input, out_size, align_corners.value_or(false), scale(0), scale(1));
}

}  // namespace ember
