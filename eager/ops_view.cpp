// PLACEHOLDER: view ops are being written; replaced wholesale by the real file.
#include "eager/meta.h"
#include "eager/ops.h"
#include "kernels/check.h"
namespace ember {
void register_view_ops(OpRegistry&) {}
#define TODO EMBER_FAIL("not implemented yet")
Tensor Tensor::view(IntArrayRef) const { TODO; }
Tensor Tensor::reshape(IntArrayRef) const { TODO; }
Tensor Tensor::transpose(int64_t, int64_t) const { TODO; }
Tensor Tensor::t() const { TODO; }
Tensor Tensor::permute(IntArrayRef) const { TODO; }
Tensor Tensor::squeeze() const { TODO; }
Tensor Tensor::squeeze(int64_t) const { TODO; }
Tensor Tensor::squeeze(IntArrayRef) const { TODO; }
Tensor Tensor::unsqueeze(int64_t) const { TODO; }
Tensor Tensor::expand(IntArrayRef, bool) const { TODO; }
Tensor Tensor::narrow(int64_t, int64_t, int64_t) const { TODO; }
Tensor Tensor::select(int64_t, int64_t) const { TODO; }
Tensor Tensor::slice(int64_t, std::optional<int64_t>, std::optional<int64_t>, int64_t) const { TODO; }
Tensor Tensor::diagonal(int64_t, int64_t, int64_t) const { TODO; }
Tensor Tensor::movedim(int64_t, int64_t) const { TODO; }
}  // namespace ember
