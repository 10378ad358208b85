// CPU kernels for spatial ops on (N, C, H, W) strided views: convolution (im2col + GEMM), pooling, padding and
// resampling. 1-D ops call them with H = 1 (kernel, stride and dilation 1, padding 0 along H).
#pragma once

#include <cstdint>
#include <optional>

#include "kernels/small_vector.h"
#include "kernels/strided.h"

namespace ember::kernels::cpu {

// A sliding window over H and W: the geometry shared by convolution and pooling.
struct Window2d {
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_h = 0, pad_w = 0;
  int64_t dilation_h = 1, dilation_w = 1;
};

// out (N, O, OH, OW) = input (N, C, H, W) cross-correlated with weight (O, C / groups, KH, KW), plus bias (O)
// when bias.data is not null. One dtype throughout (not Bool or Half); out must be contiguous over (OH, OW).
// Floats go through BLAS; results do not depend on the thread count.
void conv2d(const StridedView& out, const StridedView& input, const StridedView& weight, const StridedView& bias,
            const Window2d& window, int64_t groups);

// Max over each window (padding never wins; NaN does). indices.data may be null; otherwise it receives the
// int64 flat index (h * W + w) of the maximum within its (H, W) plane.
void max_pool2d(const StridedView& out, const StridedView& indices, const StridedView& input, const Window2d& window);

// Mean over each window. The divisor is divisor_override when given, else the window's size counted with the
// padding (clipped to input + padding) or without it. Integers divide with truncation, as C++ does.
void avg_pool2d(const StridedView& out, const StridedView& input, const Window2d& window, bool count_include_pad,
                std::optional<int64_t> divisor_override);

// Mean over the windows [floor(i * in / out), ceil((i + 1) * in / out)) along H and W.
void adaptive_avg_pool2d(const StridedView& out, const StridedView& input);

enum class PadMode : uint8_t { Reflect, Replicate, Circular };
// Which input position output position j copies along a padded dim of input size n with
// `before` elements added in front (for circular pads: `kept` elements remain after
// negative pads crop `cropped_front` from the front). Shared by the kernel and its backward.
int64_t pad_source(PadMode mode, int64_t j, int64_t before, int64_t n, int64_t cropped_front, int64_t kept);

// out's trailing dims are input's with `pad_before[i]` elements added (or cropped, when negative) before dim
// (ndim - pad_before.size() + i); out's sizes give the amount after. Reflect mirrors about the edge element,
// replicate repeats it, circular wraps around the input cropped by any negative pads.
void pad(PadMode mode, const StridedView& out, const StridedView& input, IntArrayRef pad_before);

// Nearest-neighbour resampling of the trailing `scales.size()` dims (1 or 2). A scale > 0 is the user's
// scale factor (the source step is 1 / scale); otherwise the step is in / out. `exact` rounds to the nearest
// source centre (PyTorch's "nearest-exact") instead of flooring.
void upsample_nearest(const StridedView& out, const StridedView& input, ArrayRef<double> scales, bool exact);

// Linear resampling of the trailing `scales.size()` dims (1 or 2), scales as for upsample_nearest.
void upsample_linear(const StridedView& out, const StridedView& input, ArrayRef<double> scales, bool align_corners);

}  // namespace ember::kernels::cpu
