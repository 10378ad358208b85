// The autograd steps of dispatch: checks before an in-place write, recording after the kernel.
#pragma once

#include "eager/op_registry.h"

namespace ember::autograd::detail {

// Before an in-place kernel: refuses writes PyTorch refuses (inference tensors, leaves
// that require grad, some views) and, when recording, returns the copy of self the
// op's formula needs (undefined when it needs none).
Tensor before_inplace(const OpDef& op, const OpCall& call, bool recording);
// After the kernel, when grad mode is on and an input requires grad: the grad_fn node.
void record(const OpDef& op, const OpCall& call, Outputs& outputs, const Tensor& original_self);
// After a view op that records nothing: remembers the base, so that a later in-place
// write through the view can still reach the base's history.
void track_view(const OpDef& op, const OpCall& call, Outputs& outputs);

}  // namespace ember::autograd::detail
