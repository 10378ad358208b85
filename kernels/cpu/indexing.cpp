// CPU gather/scatter-style kernels: positions off the indexed dim split over threads, each walked along the
// indexed dim in order, so duplicate indices resolve the same way on any number of threads.
#include "kernels/cpu/indexing.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "kernels/cpu/cast.h"
#include "kernels/cpu/loops.h"

namespace ember::kernels::cpu {
namespace {

// An unsigned integer as wide as the element: moving elements moves bits, not values.
template <typename F>
void visit_element_size(ScalarType dtype, F&& body) {
  switch (element_size(dtype)) {
    case 1: return body.template operator()<uint8_t>();
    case 2: return body.template operator()<uint16_t>();
    case 4: return body.template operator()<uint32_t>();
    default: return body.template operator()<uint64_t>();
  }
}

template <typename F>
void visit_index_type(ScalarType dtype, F&& body) {
  if (dtype == ScalarType::Int) return body.template operator()<int32_t>();
  return body.template operator()<int64_t>();
}

DimVector without(IntArrayRef values, int64_t dim) {
  DimVector out;
  for (size_t d = 0; d < values.size(); ++d)
    if (int64_t(d) != dim) out.push_back(values[d]);
  return out;
}

// A column is a position off `dim`; the kernels walk each column along `dim` in increasing order. Columns
// go in blocks to block(offsets, count), offsets[k][j] being operand k's element offset of the block's
// column j (with p[dim] = 0). Blocks split over threads but a column never does, and a block of adjacent
// columns walked step by step along `dim` keeps both orders cache-friendly.
inline constexpr int64_t kColumnBlock = 256;
template <size_t N>
using ColumnOffsets = std::array<std::array<int64_t, kColumnBlock>, N>;

template <size_t N, typename Block>
void for_each_column_block(IntArrayRef sizes, int64_t dim, const std::array<IntArrayRef, N>& strides, Block block) {
  int64_t total = 1;
  for (int64_t s : sizes) total *= s;
  if (total == 0) return;
  const DimVector outer = without(sizes, dim);
  std::array<DimVector, N> outer_strides;
  std::array<IntArrayRef, N> outer_refs;
  for (size_t k = 0; k < N; ++k) {
    outer_strides[k] = without(strides[k], dim);
    outer_refs[k] = outer_strides[k];
  }
  const int64_t columns = total / sizes[size_t(dim)];
  const int64_t grain = std::max<int64_t>(1, kGrainSize / sizes[size_t(dim)]);
  parallel_for(columns, grain, [&](int64_t begin, int64_t end) {
    StridedWalker<N> walk(outer, outer_refs, begin);
    ColumnOffsets<N> offsets;
    for (int64_t first = begin; first < end; first += kColumnBlock) {
      const int64_t count = std::min(kColumnBlock, end - first);
      for (int64_t j = 0; j < count; ++j, walk.next())
        for (size_t k = 0; k < N; ++k) offsets[k][size_t(j)] = walk.offset(k);
      block(offsets, count);
    }
  });
}

// Visits (column j, step k) for a block of columns, each column in increasing k. When `dim` is the last
// dim its steps are adjacent in memory, so each column runs whole; otherwise the columns are adjacent,
// so each step runs across the block.
template <typename Body>
inline void for_each_step(int64_t count, int64_t length, bool along_last, Body&& body) {
  if (along_last) {
    for (size_t j = 0; j < size_t(count); ++j)
      for (int64_t k = 0; k < length; ++k) body(j, k);
  } else {
    for (int64_t k = 0; k < length; ++k)
      for (size_t j = 0; j < size_t(count); ++j) body(j, k);
  }
}

// A block's column offsets as base + j * step for each operand, when they are: the usual case, a block
// running along the innermost dim. nullopt otherwise.
template <size_t N>
std::optional<std::array<int64_t, N>> linear_steps(const ColumnOffsets<N>& at, int64_t count) {
  std::array<int64_t, N> steps{};
  for (size_t k = 0; k < N; ++k) {
    steps[k] = count > 1 ? at[k][1] - at[k][0] : 0;
    for (size_t j = 2; j < size_t(count); ++j)
      if (at[k][j] != at[k][0] + int64_t(j) * steps[k]) return std::nullopt;
  }
  return steps;
}

template <typename T>
T alpha_as(ScalarArg alpha) {
  if constexpr (std::is_same_v<T, bool>) return alpha.f != 0 || alpha.i != 0;
  else if constexpr (std::is_integral_v<T>) return cast_to<T>(alpha.i);
  else return cast_to<T>(alpha.f);
}

// dst + alpha * src with integers wrapping (as PyTorch's do in practice) and 16-bit floats rounded once.
template <typename T>
T add_scaled(T dst, T src, T alpha) {
  if constexpr (std::is_same_v<T, bool>) return dst || (src && alpha);
  else if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return T(U(U(dst) + U(U(src) * U(alpha))));
  } else if constexpr (std::is_floating_point_v<T>) return dst + alpha * src;
  else return T(float(dst) + float(alpha) * float(src));
}

template <typename T>
T multiply(T dst, T src) {
  if constexpr (std::is_same_v<T, bool>) return dst && src;
  else if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    // Promote through unsigned int so that narrow types do not multiply as signed int and overflow.
    using Wide = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, U>;
    return T(U(Wide(U(dst)) * Wide(U(src))));
  } else if constexpr (std::is_floating_point_v<T>) return dst * src;
  else return T(float(dst) * float(src));
}

template <typename T>
bool is_nonzero(T x) {
  return cast_to<bool>(x);
}

}  // namespace

std::optional<int64_t> find_index_out_of_range(const StridedView& index, int64_t size, bool allow_negative) {
  std::optional<int64_t> bad;
  const int64_t low = allow_negative ? -size : 0;
  visit_index_type(index.dtype, [&]<typename I>() {
    const I* data = static_cast<const I*>(index.data);
    StridedWalker<1> walk(index.sizes, {IntArrayRef(index.strides)});
    for (int64_t i = 0, n = index.numel(); i < n; ++i, walk.next()) {
      const int64_t value = data[walk.offset(0)];
      if (value < low || value >= size) {
        bad = value;
        return;
      }
    }
  });
  return bad;
}

void gather(const StridedView& out, const StridedView& self, const StridedView& index, int64_t dim) {
  const int64_t length = out.sizes[size_t(dim)];
  const int64_t self_size = self.sizes[size_t(dim)];
  const int64_t out_step = out.strides[size_t(dim)], self_step = self.strides[size_t(dim)],
                index_step = index.strides[size_t(dim)];
  const bool along_last = dim == out.ndim() - 1;
  visit_element_size(out.dtype, [&]<typename T>() {
    visit_index_type(index.dtype, [&]<typename I>() {
      T* dst = static_cast<T*>(out.data);
      const T* src = static_cast<const T*>(self.data);
      const I* idx = static_cast<const I*>(index.data);
      const std::array<IntArrayRef, 3> strides{IntArrayRef(out.strides), IntArrayRef(self.strides),
                                               IntArrayRef(index.strides)};
      for_each_column_block<3>(out.sizes, dim, strides, [&](const ColumnOffsets<3>& at, int64_t count) {
        const auto steps = along_last ? std::nullopt : linear_steps(at, count);
        if (steps && (*steps)[2] == 0) {
          // One index per step shared by the block's columns (index_select, take): copy runs of the row.
          const int64_t out_col = (*steps)[0], self_col = (*steps)[1];
          for (int64_t k = 0; k < length; ++k) {
            int64_t i = idx[at[2][0] + k * index_step];
            if (i < 0) i += self_size;
            T* d = dst + at[0][0] + k * out_step;
            const T* s = src + at[1][0] + i * self_step;
            if (out_col == 1 && self_col == 1) std::copy(s, s + count, d);
            else
              for (int64_t j = 0; j < count; ++j) d[j * out_col] = s[j * self_col];
          }
          return;
        }
        for_each_step(count, length, along_last, [&](size_t j, int64_t k) {
          int64_t i = idx[at[2][j] + k * index_step];
          if (i < 0) i += self_size;
          dst[at[0][j] + k * out_step] = src[at[1][j] + i * self_step];
        });
      });
    });
  });
}

void scatter(const StridedView& self, const StridedView& index, const StridedView& src, int64_t dim,
             ScatterReduce reduce, ScalarArg alpha) {
  const int64_t length = index.sizes[size_t(dim)];
  const int64_t self_size = self.sizes[size_t(dim)];
  const int64_t self_step = self.strides[size_t(dim)], index_step = index.strides[size_t(dim)],
                src_step = src.strides[size_t(dim)];
  const bool along_last = dim == index.ndim() - 1;
  const std::array<IntArrayRef, 3> strides{IntArrayRef(self.strides), IntArrayRef(index.strides),
                                           IntArrayRef(src.strides)};
  auto run = [&]<typename T, typename Combine>(Combine combine) {
    visit_index_type(index.dtype, [&]<typename I>() {
      T* dst = static_cast<T*>(self.data);
      const T* values = static_cast<const T*>(src.data);
      const I* idx = static_cast<const I*>(index.data);
      for_each_column_block<3>(index.sizes, dim, strides, [&](const ColumnOffsets<3>& at, int64_t count) {
        const auto steps = along_last ? std::nullopt : linear_steps(at, count);
        if (steps && (*steps)[1] == 0) {
          // One index per step shared by the block's columns (index_add/copy/fill): combine whole runs.
          const int64_t self_col = (*steps)[0], src_col = (*steps)[2];
          for (int64_t k = 0; k < length; ++k) {
            int64_t i = idx[at[1][0] + k * index_step];
            if (i < 0) i += self_size;
            T* d = dst + at[0][0] + i * self_step;
            const T* v = values + at[2][0] + k * src_step;
            if (self_col == 1 && src_col == 1)
              for (int64_t j = 0; j < count; ++j) d[j] = combine(d[j], v[j]);
            else
              for (int64_t j = 0; j < count; ++j) d[j * self_col] = combine(d[j * self_col], v[j * src_col]);
          }
          return;
        }
        for_each_step(count, length, along_last, [&](size_t j, int64_t k) {
          int64_t i = idx[at[1][j] + k * index_step];
          if (i < 0) i += self_size;
          T& target = dst[at[0][j] + i * self_step];
          target = combine(target, values[at[2][j] + k * src_step]);
        });
      });
    });
  };
  if (reduce == ScatterReduce::None) {
    visit_element_size(self.dtype, [&]<typename T>() { run.template operator()<T>([](T, T v) { return v; }); });
  } else if (reduce == ScatterReduce::Add) {
    visit_dtype(self.dtype, [&]<typename T>() {
      const T a = alpha_as<T>(alpha);
      run.template operator()<T>([a](T d, T v) { return add_scaled(d, v, a); });
    });
  } else {
    visit_dtype(self.dtype, [&]<typename T>() { run.template operator()<T>([](T d, T v) { return multiply(d, v); }); });
  }
}

void masked_fill(const StridedView& self, const StridedView& mask, const void* value) {
  const StridedView* views[] = {&self, &mask};
  const LoopPlan plan = make_loop_plan(views, 2);
  visit_element_size(self.dtype, [&]<typename T>() {
    T v;
    std::memcpy(&v, value, sizeof(T));
    for_each_elementwise(plan, [v](char* const* p, const int64_t* s, int64_t n) {
      for (int64_t i = 0; i < n; ++i)
        if (*reinterpret_cast<const uint8_t*>(p[1] + i * s[1])) *reinterpret_cast<T*>(p[0] + i * s[0]) = v;
    });
  });
}

void masked_select(void* out, const StridedView& self, const StridedView& mask) {
  visit_element_size(self.dtype, [&]<typename T>() {
    T* dst = static_cast<T*>(out);
    const T* src = static_cast<const T*>(self.data);
    const uint8_t* flags = static_cast<const uint8_t*>(mask.data);
    StridedWalker<2> walk(self.sizes, {IntArrayRef(self.strides), IntArrayRef(mask.strides)});
    for (int64_t i = 0, n = self.numel(); i < n; ++i, walk.next())
      if (flags[walk.offset(1)]) *dst++ = src[walk.offset(0)];
  });
}

int64_t count_nonzero(const StridedView& self) {
  int64_t count = 0;
  visit_dtype(self.dtype, [&]<typename T>() {
    const T* data = static_cast<const T*>(self.data);
    StridedWalker<1> walk(self.sizes, {IntArrayRef(self.strides)});
    for (int64_t i = 0, n = self.numel(); i < n; ++i, walk.next()) count += is_nonzero(data[walk.offset(0)]);
  });
  return count;
}

void nonzero(const StridedView& self, int64_t* out) {
  visit_dtype(self.dtype, [&]<typename T>() {
    const T* data = static_cast<const T*>(self.data);
    StridedWalker<1> walk(self.sizes, {IntArrayRef(self.strides)});
    for (int64_t i = 0, n = self.numel(); i < n; ++i, walk.next()) {
      if (!is_nonzero(data[walk.offset(0)])) continue;
      for (int64_t c : walk.coords()) *out++ = c;
    }
  });
}

void triangle(const StridedView& out, const StridedView& self, int64_t diagonal, bool lower) {
  const size_t nd = out.sizes.size();
  const int64_t rows = out.sizes[nd - 2], cols = out.sizes[nd - 1];
  const int64_t out_col = out.strides[nd - 1], self_col = self.strides[nd - 1];
  // Any diagonal beyond the matrix acts like the matrix's edge; clamping keeps row + diagonal in range.
  diagonal = std::clamp<int64_t>(diagonal, -rows - 1, cols + 1);
  visit_element_size(out.dtype, [&]<typename T>() {
    T* dst = static_cast<T*>(out.data);
    const T* src = static_cast<const T*>(self.data);
    // Lines along the last dim; the row comes from the line's position in dim nd - 2.
    const DimVector batch(out.sizes.begin(), out.sizes.end() - 1);
    const DimVector out_batch(out.strides.begin(), out.strides.end() - 1);
    const DimVector self_batch(self.strides.begin(), self.strides.end() - 1);
    int64_t lines = 1;
    for (int64_t s : batch) lines *= s;
    if (lines == 0 || cols == 0) return;
    parallel_for(lines, std::max<int64_t>(1, kGrainSize / cols), [&](int64_t begin, int64_t end) {
      StridedWalker<2> walk(batch, {IntArrayRef(out_batch), IntArrayRef(self_batch)}, begin);
      for (int64_t line = begin; line < end; ++line, walk.next()) {
        const int64_t row = line % rows;
        // Columns [0, split) are kept for lower and zeroed for upper; the rest the other way round.
        const int64_t split = std::clamp<int64_t>(lower ? row + diagonal + 1 : row + diagonal, 0, cols);
        T* d = dst + walk.offset(0);
        const T* s = src + walk.offset(1);
        const int64_t keep_begin = lower ? 0 : split, keep_end = lower ? split : cols;
        for (int64_t c = 0; c < keep_begin; ++c) d[c * out_col] = T(0);
        if (d != s)
          for (int64_t c = keep_begin; c < keep_end; ++c) d[c * out_col] = s[c * self_col];
        for (int64_t c = keep_end; c < cols; ++c) d[c * out_col] = T(0);
      }
    });
  });
}

}  // namespace ember::kernels::cpu
