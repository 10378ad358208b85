// The eager op library as free functions (ember::add, ember::zeros, ...), named as in libtorch.
#pragma once

#include <optional>
#include <string_view>
#include <tuple>
#include <vector>

#include "eager/random.h"
#include "eager/tensor.h"

namespace ember {

// ---- creation ----
Tensor empty(IntArrayRef size, const TensorOptions& options = {});
Tensor empty_strided(IntArrayRef size, IntArrayRef stride, const TensorOptions& options = {});
Tensor zeros(IntArrayRef size, const TensorOptions& options = {});
Tensor ones(IntArrayRef size, const TensorOptions& options = {});
Tensor full(IntArrayRef size, const Scalar& fill_value, const TensorOptions& options = {});
Tensor eye(int64_t n, const TensorOptions& options = {});
Tensor eye(int64_t n, int64_t m, const TensorOptions& options = {});
Tensor arange(const Scalar& end, const TensorOptions& options = {});
Tensor arange(const Scalar& start, const Scalar& end, const TensorOptions& options = {});
Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step, const TensorOptions& options = {});
Tensor linspace(const Scalar& start, const Scalar& end, int64_t steps, const TensorOptions& options = {});
Tensor logspace(const Scalar& start, const Scalar& end, int64_t steps, double base = 10.0,
                const TensorOptions& options = {});
Tensor empty_like(const Tensor& t, const TensorOptions& options = {});
Tensor zeros_like(const Tensor& t, const TensorOptions& options = {});
Tensor ones_like(const Tensor& t, const TensorOptions& options = {});
Tensor full_like(const Tensor& t, const Scalar& fill_value, const TensorOptions& options = {});
Tensor rand_like(const Tensor& t, const TensorOptions& options = {});
Tensor randn_like(const Tensor& t, const TensorOptions& options = {});
Tensor randint_like(const Tensor& t, int64_t high, const TensorOptions& options = {});
Tensor randint_like(const Tensor& t, int64_t low, int64_t high, const TensorOptions& options = {});
// Wraps external memory without copying; `deleter` (if any) runs when the last view dies.
Tensor from_blob(void* data, IntArrayRef sizes, const TensorOptions& options = {});
Tensor from_blob(void* data, IntArrayRef sizes, IntArrayRef strides, const TensorOptions& options = {});
Tensor from_blob(void* data, IntArrayRef sizes, std::function<void(void*)> deleter,
                 const TensorOptions& options = {});
Tensor scalar_tensor(const Scalar& s, const TensorOptions& options = {});

// ---- random (each takes an optional Generator; the default one otherwise) ----
Tensor rand(IntArrayRef size, const TensorOptions& options = {});
Tensor rand(IntArrayRef size, std::optional<Generator> generator, const TensorOptions& options = {});
Tensor randn(IntArrayRef size, const TensorOptions& options = {});
Tensor randn(IntArrayRef size, std::optional<Generator> generator, const TensorOptions& options = {});
Tensor randint(int64_t high, IntArrayRef size, const TensorOptions& options = {});
Tensor randint(int64_t low, int64_t high, IntArrayRef size, const TensorOptions& options = {});
Tensor randint(int64_t low, int64_t high, IntArrayRef size, std::optional<Generator> generator,
               const TensorOptions& options = {});
Tensor randperm(int64_t n, const TensorOptions& options = {});
Tensor randperm(int64_t n, std::optional<Generator> generator, const TensorOptions& options = {});
Tensor normal(double mean, double std, IntArrayRef size, std::optional<Generator> generator = std::nullopt,
              const TensorOptions& options = {});
Tensor normal(const Tensor& mean, const Tensor& std, std::optional<Generator> generator = std::nullopt);
Tensor normal(const Tensor& mean, double std = 1, std::optional<Generator> generator = std::nullopt);
Tensor normal(double mean, const Tensor& std, std::optional<Generator> generator = std::nullopt);
Tensor bernoulli(const Tensor& p, std::optional<Generator> generator = std::nullopt);
Tensor bernoulli(const Tensor& self, double p, std::optional<Generator> generator = std::nullopt);
Tensor multinomial(const Tensor& probs, int64_t num_samples, bool replacement = false,
                   std::optional<Generator> generator = std::nullopt);
Tensor poisson(const Tensor& rates, std::optional<Generator> generator = std::nullopt);

// ---- copies and joins ----
Tensor clone(const Tensor& t);
Tensor cat(TensorList tensors, int64_t dim = 0);
Tensor concat(TensorList tensors, int64_t dim = 0);
Tensor stack(TensorList tensors, int64_t dim = 0);
Tensor flip(const Tensor& t, IntArrayRef dims);
Tensor roll(const Tensor& t, IntArrayRef shifts, IntArrayRef dims = {});
Tensor repeat(const Tensor& t, IntArrayRef repeats);

// ---- views ----
Tensor view(const Tensor& t, IntArrayRef size);
Tensor reshape(const Tensor& t, IntArrayRef shape);
Tensor transpose(const Tensor& t, int64_t dim0, int64_t dim1);
Tensor t(const Tensor& t);
Tensor permute(const Tensor& t, IntArrayRef dims);
Tensor squeeze(const Tensor& t);
Tensor squeeze(const Tensor& t, int64_t dim);
Tensor squeeze(const Tensor& t, IntArrayRef dims);
Tensor unsqueeze(const Tensor& t, int64_t dim);
Tensor expand(const Tensor& t, IntArrayRef size);
Tensor broadcast_to(const Tensor& t, IntArrayRef size);
std::vector<Tensor> broadcast_tensors(TensorList tensors);
DimVector broadcast_shapes(IntArrayRef a, IntArrayRef b);
Tensor narrow(const Tensor& t, int64_t dim, int64_t start, int64_t length);
Tensor select(const Tensor& t, int64_t dim, int64_t index);
Tensor slice(const Tensor& t, int64_t dim = 0, std::optional<int64_t> start = std::nullopt,
             std::optional<int64_t> end = std::nullopt, int64_t step = 1);
Tensor unfold(const Tensor& t, int64_t dimension, int64_t size, int64_t step);
Tensor flatten(const Tensor& t, int64_t start_dim = 0, int64_t end_dim = -1);
Tensor unflatten(const Tensor& t, int64_t dim, IntArrayRef sizes);
Tensor ravel(const Tensor& t);
Tensor as_strided(const Tensor& t, IntArrayRef size, IntArrayRef stride,
                  std::optional<int64_t> storage_offset = std::nullopt);
// t with the window as_strided(size, stride, storage_offset) of a contiguous copy of t replaced by src.
Tensor as_strided_scatter(const Tensor& t, const Tensor& src, IntArrayRef size, IntArrayRef stride,
                          std::optional<int64_t> storage_offset = std::nullopt);
Tensor diagonal(const Tensor& t, int64_t offset = 0, int64_t dim1 = 0, int64_t dim2 = 1);
Tensor movedim(const Tensor& t, int64_t source, int64_t destination);
std::vector<Tensor> split(const Tensor& t, int64_t split_size, int64_t dim = 0);
std::vector<Tensor> split_with_sizes(const Tensor& t, IntArrayRef split_sizes, int64_t dim = 0);
std::vector<Tensor> chunk(const Tensor& t, int64_t chunks, int64_t dim = 0);
std::vector<Tensor> unbind(const Tensor& t, int64_t dim = 0);

// ---- indexing ops (more) ----
// Index checks raise before anything is written; in-place variants are Tensor methods (x.scatter_(...)).
Tensor index_select(const Tensor& self, int64_t dim, const Tensor& index);
// sparse_grad is accepted for libtorch compatibility and ignored.
Tensor gather(const Tensor& self, int64_t dim, const Tensor& index, bool sparse_grad = false);
// reduce: "add" or "multiply". Duplicate indices without reduce: the last one (in index order) wins.
Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src);
Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Scalar& value);
Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, std::string_view reduce);
Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Scalar& value, std::string_view reduce);
// Duplicates sum in index order, whatever the thread count.
Tensor scatter_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src);
Tensor index_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, const Scalar& alpha = 1);
Tensor index_copy(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source);
Tensor index_fill(const Tensor& self, int64_t dim, const Tensor& index, const Scalar& value);
Tensor index_fill(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& value);
// Elements of self's row-major flattening; negative indices count from the end.
Tensor take(const Tensor& self, const Tensor& index);
Tensor masked_fill(const Tensor& self, const Tensor& mask, const Scalar& value);
Tensor masked_fill(const Tensor& self, const Tensor& mask, const Tensor& value);
Tensor masked_select(const Tensor& self, const Tensor& mask);
// [count, ndim] int64 coordinates of the nonzero elements, in row-major order.
Tensor nonzero(const Tensor& self);
// nonzero's columns, one int64 tensor per dim (torch.nonzero(as_tuple=True)).
std::vector<Tensor> nonzero_numpy(const Tensor& self);
Tensor tril(const Tensor& self, int64_t diagonal = 0);
Tensor triu(const Tensor& self, int64_t diagonal = 0);
// int64 [..., num_classes] with a 1 at each value; num_classes = -1 uses max + 1.
Tensor one_hot(const Tensor& self, int64_t num_classes = -1);
// A copy of self with values written at indices (nullopt takes a whole dim); accumulate adds them in index
// order so duplicates sum, otherwise the last duplicate wins.
Tensor index_put(const Tensor& self, const std::vector<std::optional<Tensor>>& indices, const Tensor& values,
                 bool accumulate = false);
// (end of indexing ops)

// ---- pointwise ----
Tensor add(const Tensor& a, const Tensor& b, const Scalar& alpha = 1);
Tensor add(const Tensor& a, const Scalar& b, const Scalar& alpha = 1);
Tensor sub(const Tensor& a, const Tensor& b, const Scalar& alpha = 1);
Tensor sub(const Tensor& a, const Scalar& b, const Scalar& alpha = 1);
Tensor rsub(const Tensor& a, const Scalar& b, const Scalar& alpha = 1);  // b - alpha * a
Tensor mul(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Scalar& b);
// rounding_mode: none (true division), "trunc" or "floor".
Tensor div(const Tensor& a, const Tensor& b, std::optional<std::string_view> rounding_mode = std::nullopt);
Tensor div(const Tensor& a, const Scalar& b, std::optional<std::string_view> rounding_mode = std::nullopt);
Tensor div(const Scalar& a, const Tensor& b, std::optional<std::string_view> rounding_mode = std::nullopt);
Tensor neg(const Tensor& t);
Tensor abs(const Tensor& t);
Tensor exp(const Tensor& t);
Tensor log(const Tensor& t);
Tensor sqrt(const Tensor& t);
Tensor relu(const Tensor& t);
Tensor sigmoid(const Tensor& t);
Tensor tanh(const Tensor& t);
Tensor eq(const Tensor& a, const Tensor& b);
Tensor eq(const Tensor& a, const Scalar& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Scalar& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Scalar& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Scalar& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Scalar& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Scalar& b);
Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b);
Tensor where(const Tensor& condition, const Scalar& a, const Tensor& b);
Tensor where(const Tensor& condition, const Tensor& a, const Scalar& b);
Tensor where(const Tensor& condition, const Scalar& a, const Scalar& b);

// ---- pointwise math (more) ----
// Division and powers. floor_divide rounds toward -inf; remainder has the divisor's sign, fmod the dividend's.
Tensor floor_divide(const Tensor& a, const Tensor& b);
Tensor floor_divide(const Tensor& a, const Scalar& b);
Tensor remainder(const Tensor& a, const Tensor& b);
Tensor remainder(const Tensor& a, const Scalar& b);
Tensor remainder(const Scalar& a, const Tensor& b);
Tensor fmod(const Tensor& a, const Tensor& b);
Tensor fmod(const Tensor& a, const Scalar& b);
Tensor pow(const Tensor& base, const Tensor& exponent);
Tensor pow(const Tensor& base, const Scalar& exponent);
Tensor pow(const Scalar& base, const Tensor& exponent);
Tensor atan2(const Tensor& a, const Tensor& b);
// Elementwise min / max that propagate NaN.
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);
// Float math: integer and bool inputs give the default dtype.
Tensor reciprocal(const Tensor& t);
Tensor rsqrt(const Tensor& t);
Tensor exp2(const Tensor& t);
Tensor expm1(const Tensor& t);
Tensor log2(const Tensor& t);
Tensor log10(const Tensor& t);
Tensor log1p(const Tensor& t);
Tensor sin(const Tensor& t);
Tensor cos(const Tensor& t);
Tensor tan(const Tensor& t);
Tensor asin(const Tensor& t);
Tensor acos(const Tensor& t);
Tensor atan(const Tensor& t);
Tensor sinh(const Tensor& t);
Tensor cosh(const Tensor& t);
Tensor erf(const Tensor& t);
Tensor erfc(const Tensor& t);
Tensor erfinv(const Tensor& t);
// Rounding keeps integer dtypes; round is half to even, round(t, decimals) floats only.
Tensor floor(const Tensor& t);
Tensor ceil(const Tensor& t);
Tensor round(const Tensor& t);
Tensor round(const Tensor& t, int64_t decimals);
Tensor trunc(const Tensor& t);
Tensor frac(const Tensor& t);
Tensor sign(const Tensor& t);
// Bounds may be None (not both); scalar bounds promote like a weak scalar operand.
Tensor clamp(const Tensor& t, const std::optional<Scalar>& min, const std::optional<Scalar>& max = std::nullopt);
Tensor clamp(const Tensor& t, const std::optional<Tensor>& min = {}, const std::optional<Tensor>& max = {});
Tensor clamp_min(const Tensor& t, const Scalar& min);
Tensor clamp_min(const Tensor& t, const Tensor& min);
Tensor clamp_max(const Tensor& t, const Scalar& max);
Tensor clamp_max(const Tensor& t, const Tensor& max);
// start + weight * (end - start); floats only, all operands of one dtype.
Tensor lerp(const Tensor& start, const Tensor& end, const Scalar& weight);
Tensor lerp(const Tensor& start, const Tensor& end, const Tensor& weight);
// self + value * tensor1 * tensor2, self + value * tensor1 / tensor2.
Tensor addcmul(const Tensor& self, const Tensor& tensor1, const Tensor& tensor2, const Scalar& value = 1);
Tensor addcdiv(const Tensor& self, const Tensor& tensor1, const Tensor& tensor2, const Scalar& value = 1);
// Logical ops take any dtype (nonzero is true) and give bool.
Tensor logical_and(const Tensor& a, const Tensor& b);
Tensor logical_or(const Tensor& a, const Tensor& b);
Tensor logical_xor(const Tensor& a, const Tensor& b);
Tensor logical_not(const Tensor& t);
// Bitwise ops take integer and bool tensors; shifts by a negative amount or the bit width or more
// give 0 (left) or the sign fill (right).
Tensor bitwise_and(const Tensor& a, const Tensor& b);
Tensor bitwise_and(const Tensor& a, const Scalar& b);
Tensor bitwise_and(const Scalar& a, const Tensor& b);
Tensor bitwise_or(const Tensor& a, const Tensor& b);
Tensor bitwise_or(const Tensor& a, const Scalar& b);
Tensor bitwise_or(const Scalar& a, const Tensor& b);
Tensor bitwise_xor(const Tensor& a, const Tensor& b);
Tensor bitwise_xor(const Tensor& a, const Scalar& b);
Tensor bitwise_xor(const Scalar& a, const Tensor& b);
Tensor bitwise_not(const Tensor& t);
Tensor bitwise_left_shift(const Tensor& a, const Tensor& b);
Tensor bitwise_left_shift(const Tensor& a, const Scalar& b);
Tensor bitwise_left_shift(const Scalar& a, const Tensor& b);
Tensor bitwise_right_shift(const Tensor& a, const Tensor& b);
Tensor bitwise_right_shift(const Tensor& a, const Scalar& b);
Tensor bitwise_right_shift(const Scalar& a, const Tensor& b);
Tensor operator~(const Tensor& t);
Tensor operator&(const Tensor& a, const Tensor& b);
Tensor operator&(const Tensor& a, const Scalar& b);
Tensor operator&(const Scalar& a, const Tensor& b);
Tensor operator|(const Tensor& a, const Tensor& b);
Tensor operator|(const Tensor& a, const Scalar& b);
Tensor operator|(const Scalar& a, const Tensor& b);
Tensor operator^(const Tensor& a, const Tensor& b);
Tensor operator^(const Tensor& a, const Scalar& b);
Tensor operator^(const Scalar& a, const Tensor& b);
// Special values: bool results; nan_to_num's defaults are 0 and the dtype's largest finite values.
Tensor isnan(const Tensor& t);
Tensor isinf(const Tensor& t);
Tensor isfinite(const Tensor& t);
Tensor nan_to_num(const Tensor& t, std::optional<double> nan = std::nullopt,
                  std::optional<double> posinf = std::nullopt, std::optional<double> neginf = std::nullopt);
// Activations (floating point inputs; relu6 and hardtanh also take integers), as torch::nn::functional.
Tensor relu6(const Tensor& t);
Tensor& relu6_(Tensor& t);
Tensor leaky_relu(const Tensor& t, const Scalar& negative_slope = 0.01);
Tensor& leaky_relu_(Tensor& t, const Scalar& negative_slope = 0.01);
Tensor elu(const Tensor& t, const Scalar& alpha = 1, const Scalar& scale = 1, const Scalar& input_scale = 1);
Tensor& elu_(Tensor& t, const Scalar& alpha = 1, const Scalar& scale = 1, const Scalar& input_scale = 1);
Tensor selu(const Tensor& t);
Tensor& selu_(Tensor& t);
Tensor celu(const Tensor& t, const Scalar& alpha = 1.0);
Tensor& celu_(Tensor& t, const Scalar& alpha = 1.0);
// approximate: "none" (erf) or "tanh".
Tensor gelu(const Tensor& t, std::string_view approximate = "none");
Tensor& gelu_(Tensor& t, std::string_view approximate = "none");
Tensor silu(const Tensor& t);
Tensor& silu_(Tensor& t);
Tensor mish(const Tensor& t);
Tensor& mish_(Tensor& t);
Tensor softplus(const Tensor& t, const Scalar& beta = 1, const Scalar& threshold = 20);
Tensor hardtanh(const Tensor& t, const Scalar& min_val = -1, const Scalar& max_val = 1);
Tensor& hardtanh_(Tensor& t, const Scalar& min_val = -1, const Scalar& max_val = 1);
Tensor hardsigmoid(const Tensor& t);
Tensor& hardsigmoid_(Tensor& t);
Tensor hardswish(const Tensor& t);
Tensor& hardswish_(Tensor& t);
Tensor log_sigmoid(const Tensor& t);
// (end of pointwise math)

// ---- reductions ----
Tensor sum(const Tensor& t, std::optional<ScalarType> dtype = std::nullopt);
Tensor sum(const Tensor& t, IntArrayRef dim, bool keepdim = false, std::optional<ScalarType> dtype = std::nullopt);
Tensor mean(const Tensor& t, std::optional<ScalarType> dtype = std::nullopt);
Tensor mean(const Tensor& t, IntArrayRef dim, bool keepdim = false, std::optional<ScalarType> dtype = std::nullopt);
// ---- reductions (more) ----
// Integer and bool inputs to prod/cumsum/cumprod give int64 unless dtype= says otherwise.
Tensor prod(const Tensor& t, std::optional<ScalarType> dtype = std::nullopt);
Tensor prod(const Tensor& t, int64_t dim, bool keepdim = false, std::optional<ScalarType> dtype = std::nullopt);
// Over all elements (0-d result); an empty input raises. NaN propagates.
Tensor max(const Tensor& t);
Tensor min(const Tensor& t);
// (values, indices) along `dim`; ties give the first index, a NaN counts as the extreme.
std::tuple<Tensor, Tensor> max(const Tensor& t, int64_t dim, bool keepdim = false);
std::tuple<Tensor, Tensor> min(const Tensor& t, int64_t dim, bool keepdim = false);
// An empty dim list reduces over all dims.
Tensor amax(const Tensor& t, IntArrayRef dim = {}, bool keepdim = false);
Tensor amin(const Tensor& t, IntArrayRef dim = {}, bool keepdim = false);
// Without a dim: the index into the flattened tensor.
Tensor argmax(const Tensor& t, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
Tensor argmin(const Tensor& t, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
// Divides by count - correction; `unbiased` is correction 1 (true) or 0. Pass the correction as an
// int64_t (var(x, {1}, int64_t{0})); a plain int literal is ambiguous with `unbiased` on purpose.
// The all-dims overloads take exactly a bool, so that var(x, {1}) means dim 1.
Tensor var(const Tensor& t, IntArrayRef dim, bool unbiased = true, bool keepdim = false);
Tensor var(const Tensor& t, IntArrayRef dim, int64_t correction, bool keepdim = false);
Tensor std(const Tensor& t, IntArrayRef dim, bool unbiased = true, bool keepdim = false);
Tensor std(const Tensor& t, IntArrayRef dim, int64_t correction, bool keepdim = false);
// (var, mean) and (std, mean).
std::tuple<Tensor, Tensor> var_mean(const Tensor& t, IntArrayRef dim, bool unbiased = true, bool keepdim = false);
std::tuple<Tensor, Tensor> var_mean(const Tensor& t, IntArrayRef dim, int64_t correction, bool keepdim = false);
std::tuple<Tensor, Tensor> std_mean(const Tensor& t, IntArrayRef dim, bool unbiased = true, bool keepdim = false);
std::tuple<Tensor, Tensor> std_mean(const Tensor& t, IntArrayRef dim, int64_t correction, bool keepdim = false);
inline Tensor var(const Tensor& t) { return var(t, IntArrayRef{}, true, false); }
template <typename B, std::enable_if_t<std::is_same_v<B, bool>, int> = 0>
Tensor var(const Tensor& t, B unbiased) {
  return var(t, IntArrayRef{}, unbiased, false);
}
inline Tensor std(const Tensor& t) { return std(t, IntArrayRef{}, true, false); }
template <typename B, std::enable_if_t<std::is_same_v<B, bool>, int> = 0>
Tensor std(const Tensor& t, B unbiased) {
  return std(t, IntArrayRef{}, unbiased, false);
}
inline std::tuple<Tensor, Tensor> var_mean(const Tensor& t) { return var_mean(t, IntArrayRef{}, true, false); }
template <typename B, std::enable_if_t<std::is_same_v<B, bool>, int> = 0>
std::tuple<Tensor, Tensor> var_mean(const Tensor& t, B unbiased) {
  return var_mean(t, IntArrayRef{}, unbiased, false);
}
inline std::tuple<Tensor, Tensor> std_mean(const Tensor& t) { return std_mean(t, IntArrayRef{}, true, false); }
template <typename B, std::enable_if_t<std::is_same_v<B, bool>, int> = 0>
std::tuple<Tensor, Tensor> std_mean(const Tensor& t, B unbiased) {
  return std_mean(t, IntArrayRef{}, unbiased, false);
}
// Vector p-norm over `dim` (all dims when empty): p = 0 counts nonzeros, +-inf take the max/min |x|.
Tensor norm(const Tensor& t, const Scalar& p = 2);
Tensor norm(const Tensor& t, const Scalar& p, IntArrayRef dim, bool keepdim = false,
            std::optional<ScalarType> dtype = std::nullopt);
namespace detail {
Tensor norm_by_name(const Tensor& t, std::string_view p, IntArrayRef dim, bool keepdim,
                    std::optional<ScalarType> dtype);
}  // namespace detail
// p = "fro" (the 2-norm over at most two dims); "nuc" is not supported yet. A template so that
// norm(x, 0) stays the numeric p = 0.
template <typename S, std::enable_if_t<std::is_convertible_v<const S&, std::string_view> && !std::is_arithmetic_v<S>,
                                       int> = 0>
Tensor norm(const Tensor& t, const S& p, IntArrayRef dim = {}, bool keepdim = false,
            std::optional<ScalarType> dtype = std::nullopt) {
  return detail::norm_by_name(t, std::string_view(p), dim, keepdim, dtype);
}
// log(sum(exp(x))) computed without overflow; integer inputs give the default dtype.
Tensor logsumexp(const Tensor& t, IntArrayRef dim, bool keepdim = false);
// Bool results (uint8 for uint8 inputs, as in PyTorch).
Tensor all(const Tensor& t);
Tensor all(const Tensor& t, int64_t dim, bool keepdim = false);
Tensor any(const Tensor& t);
Tensor any(const Tensor& t, int64_t dim, bool keepdim = false);
Tensor cumsum(const Tensor& t, int64_t dim, std::optional<ScalarType> dtype = std::nullopt);
Tensor cumprod(const Tensor& t, int64_t dim, std::optional<ScalarType> dtype = std::nullopt);
// (values, indices), stable; NaN sorts as the largest value. As in libtorch, pass all four
// arguments to select the `stable` overload.
std::tuple<Tensor, Tensor> sort(const Tensor& t, int64_t dim = -1, bool descending = false);
std::tuple<Tensor, Tensor> sort(const Tensor& t, std::optional<bool> stable, int64_t dim = -1, bool descending = false);
Tensor argsort(const Tensor& t, int64_t dim = -1, bool descending = false);
Tensor argsort(const Tensor& t, std::optional<bool> stable, int64_t dim = -1, bool descending = false);
// The k largest (or smallest) along `dim`, best first: (values, indices).
std::tuple<Tensor, Tensor> topk(const Tensor& t, int64_t k, int64_t dim = -1, bool largest = true, bool sorted = true);
// Integer inputs need a floating dtype=, which the input is converted to first.
Tensor softmax(const Tensor& t, int64_t dim, std::optional<ScalarType> dtype = std::nullopt);
Tensor log_softmax(const Tensor& t, int64_t dim, std::optional<ScalarType> dtype = std::nullopt);
// (end of reductions)

// ---- linear algebra (float/double through OpenBLAS; exact loops for other dtypes) ----
Tensor mm(const Tensor& a, const Tensor& b);
Tensor bmm(const Tensor& a, const Tensor& b);
Tensor mv(const Tensor& mat, const Tensor& vec);
Tensor dot(const Tensor& a, const Tensor& b);
// PyTorch's matmul: dot, mv, mm, or a batched product with broadcast batch dims.
Tensor matmul(const Tensor& a, const Tensor& b);
Tensor outer(const Tensor& a, const Tensor& b);
// beta * input + alpha * (mat1 @ mat2); beta == 0 ignores input (NaN included).
Tensor addmm(const Tensor& input, const Tensor& mat1, const Tensor& mat2, const Scalar& beta = 1,
             const Scalar& alpha = 1);
Tensor addmv(const Tensor& input, const Tensor& mat, const Tensor& vec, const Scalar& beta = 1,
             const Scalar& alpha = 1);
Tensor baddbmm(const Tensor& input, const Tensor& batch1, const Tensor& batch2, const Scalar& beta = 1,
               const Scalar& alpha = 1);
// Contracts dims_a of a with dims_b of b; the result has a's free dims then b's.
Tensor tensordot(const Tensor& a, const Tensor& b, IntArrayRef dims_a, IntArrayRef dims_b);
// Contracts the last `dims` dims of a with the first `dims` dims of b.
Tensor tensordot(const Tensor& a, const Tensor& b, int64_t dims);
// Einstein summation: "ij,jk->ik", repeated indices (diagonals), "..." and implicit output.
Tensor einsum(std::string_view equation, TensorList operands);

// ---- comparisons of whole tensors ----
bool equal(const Tensor& a, const Tensor& b);  // same sizes and elements
Tensor isclose(const Tensor& a, const Tensor& b, double rtol = 1e-5, double atol = 1e-8, bool equal_nan = false);
bool allclose(const Tensor& a, const Tensor& b, double rtol = 1e-5, double atol = 1e-8, bool equal_nan = false);

// ---- type promotion (torch.result_type) ----
ScalarType result_type(const Tensor& a, const Tensor& b);
ScalarType result_type(const Tensor& a, const Scalar& b);

// ---- threads ----
int get_num_threads();
void set_num_threads(int n);

}  // namespace ember
