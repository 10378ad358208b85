// CPU kernels for gather/scatter-style indexing on StridedViews: gather, scatter (plain, add, multiply),
// masked fill and select, nonzero and triangular masks. Callers check every index first; kernels never throw.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "kernels/cpu/pointwise.h"
#include "kernels/strided.h"

namespace ember::kernels::cpu {

// Walks `sizes` in row-major order, keeping for each of N stride sets the element offset of the current
// position (and the position itself).
template <size_t N>
class StridedWalker {
 public:
  // Starts at row-major position `start`.
  StridedWalker(IntArrayRef sizes, std::array<IntArrayRef, N> strides, int64_t start = 0)
      : sizes_(sizes), strides_(strides) {
    coords_.resize(sizes.size(), 0);
    for (size_t d = sizes.size(); d-- > 0 && start > 0;) {
      coords_[d] = start % sizes[d];
      start /= sizes[d];
      for (size_t k = 0; k < N; ++k) offsets_[k] += coords_[d] * strides[k][d];
    }
  }
  int64_t offset(size_t k) const { return offsets_[k]; }
  IntArrayRef coords() const { return coords_; }
  void next() {
    for (size_t d = sizes_.size(); d-- > 0;) {
      if (++coords_[d] < sizes_[d]) {
        for (size_t k = 0; k < N; ++k) offsets_[k] += strides_[k][d];
        return;
      }
      for (size_t k = 0; k < N; ++k) offsets_[k] -= (sizes_[d] - 1) * strides_[k][d];
      coords_[d] = 0;
    }
  }

 private:
  IntArrayRef sizes_;
  std::array<IntArrayRef, N> strides_;
  DimVector coords_;
  std::array<int64_t, N> offsets_{};
};

enum class ScatterReduce : uint8_t { None, Add, Multiply };

// The first value of `index` (Long or Int) outside [0, size), or outside [-size, size) when negative
// indices are allowed; nullopt when every value fits.
std::optional<int64_t> find_index_out_of_range(const StridedView& index, int64_t size, bool allow_negative);

// out[p] = self[p with p[dim] = index[p]] for every position p of out. out, self and index have the same
// rank and index has out's sizes; negative indices count from the end of self's dim.
void gather(const StridedView& out, const StridedView& self, const StridedView& index, int64_t dim);

// self[p with p[dim] = index[p]] = src[p] (None), += alpha * src[p] (Add) or *= src[p] (Multiply) for every
// position p of index; src has index's sizes and self's dtype. Writes to one element happen in increasing
// p[dim], on one thread: the last duplicate wins and sums follow index order, whatever the thread count.
void scatter(const StridedView& self, const StridedView& index, const StridedView& src, int64_t dim,
             ScatterReduce reduce, ScalarArg alpha = {1.0, 1});

// self[p] = *value where mask[p] (Bool or Byte, with self's sizes; zero strides broadcast); `value` points
// at one element of self's dtype.
void masked_fill(const StridedView& self, const StridedView& mask, const void* value);

// Appends self[p] for every p where mask[p] is set, in row-major order, to the contiguous buffer `out`.
void masked_select(void* out, const StridedView& self, const StridedView& mask);

int64_t count_nonzero(const StridedView& self);
// Writes the coordinates of self's nonzero elements in row-major order to out, a contiguous [count, ndim].
void nonzero(const StridedView& self, int64_t* out);

// out = self where (column - row) <= diagonal (lower) or >= diagonal (upper), zero elsewhere, over the
// last two dims; out may be self.
void triangle(const StridedView& out, const StridedView& self, int64_t diagonal, bool lower);

}  // namespace ember::kernels::cpu
