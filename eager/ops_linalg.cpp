// Linear algebra: mm, bmm, mv, dot and their add* forms through the registry (extern GEMM calls), and
// matmul, outer, tensordot and einsum composed from them and from views.
#include <algorithm>
#include <map>

#include "eager/meta.h"
#include "eager/ops.h"
#include "kernels/check.h"
#include "kernels/cpu/blas.h"

namespace ember {

void register_linalg_ops(OpRegistry& r);

namespace {

using kernels::StridedView;

// Which product an OpDef computes; the shared meta and kernel read it from OpDef::code.
enum class Product : int32_t { Mm, Bmm, Mv, Dot, Addmm, Baddbmm, Addmv };

constexpr bool has_input_term(Product p) { return p == Product::Addmm || p == Product::Baddbmm || p == Product::Addmv; }

void check_same_dtype(const Tensor& expected, const Tensor& found) {
  EMBER_CHECK(expected.dtype() == found.dtype(),
              "[matmul] expected scalar type {} but found {}. Convert the operands to one dtype with .to() first.",
              to_string(expected.dtype()), to_string(found.dtype()));
}

// Sizes of the product (without the added input) and checks of its operands.
DimVector product_shape(Product p, const std::string_view name, const Tensor& a, const Tensor& b) {
  switch (p) {
    case Product::Mm:
    case Product::Addmm:
      EMBER_CHECK(a.dim() == 2, "[{}] self must be a matrix, got a {}-D tensor", name, a.dim());
      EMBER_CHECK(b.dim() == 2, "[{}] mat2 must be a matrix, got a {}-D tensor", name, b.dim());
      EMBER_CHECK(a.size(1) == b.size(0), "[{}] mat1 and mat2 shapes cannot be multiplied ({}x{} and {}x{})", name,
                  a.size(0), a.size(1), b.size(0), b.size(1));
      return {a.size(0), b.size(1)};
    case Product::Bmm:
    case Product::Baddbmm:
      EMBER_CHECK(a.dim() == 3, "[{}] batch1 must be a 3D tensor, got a {}-D tensor", name, a.dim());
      EMBER_CHECK(b.dim() == 3, "[{}] batch2 must be a 3D tensor, got a {}-D tensor", name, b.dim());
      EMBER_CHECK(b.size(0) == a.size(0) && b.size(1) == a.size(2),
                  "[{}] Expected size for first two dimensions of batch2 tensor to be: [{}, {}] but got: [{}, {}].",
                  name, a.size(0), a.size(2), b.size(0), b.size(1));
      return {a.size(0), a.size(1), b.size(2)};
    case Product::Mv:
    case Product::Addmv:
      EMBER_CHECK(a.dim() == 2 && b.dim() == 1, "[{}] vector + matrix @ vector expected, got {}-D and {}-D tensors",
                  name, a.dim(), b.dim());
      EMBER_CHECK(a.size(1) == b.size(0), "[{}] size mismatch, got {}, {}x{},{}", name, a.size(0), a.size(0),
                  a.size(1), b.size(0));
      return {a.size(0)};
    case Product::Dot:
      EMBER_CHECK(a.dim() == 1 && b.dim() == 1, "[{}] 1D tensors expected, but got {}D and {}D tensors", name, a.dim(),
                  b.dim());
      EMBER_CHECK(a.size(0) == b.size(0),
                  "[{}] inconsistent tensor size, expected tensor [{}] and src [{}] to have the same number of "
                  "elements, but got {} and {} elements respectively",
                  name, a.size(0), b.size(0), a.size(0), b.size(0));
      return {};
  }
  return {};
}

// Call layout: inputs {a, b} or {input, a, b}; attrs {beta, alpha} for the add* forms.
void product_meta(const OpDef& def, const OpCall& call, MetaOutputs& out) {
  const Product p = Product(def.code);
  const size_t first = has_input_term(p) ? 1 : 0;
  const Tensor& a = call.input(first);
  const Tensor& b = call.input(first + 1);
  const DimVector shape = product_shape(p, def.name, a, b);
  check_same_dtype(a, b);
  EMBER_CHECK(a.dtype() != kBool, "[{}] \"addmm_impl_cpu_\" not implemented for 'Bool'; convert to an integer or "
              "floating dtype first.", def.name);
  if (has_input_term(p)) {
    check_same_dtype(a, call.input(0));
    const DimVector joined = detail::broadcast_shape(def.name, call.input(0).sizes(), shape);
    EMBER_CHECK(IntArrayRef(joined) == IntArrayRef(shape),
                "[{}] The expanded size of the tensor ({}) must match the existing size ({}). Target sizes: {}. "
                "Tensor sizes: {}",
                def.name, shape.empty() ? 1 : shape.back(), call.input(0).sizes().empty() ? 1 : call.input(0).sizes().back(),
                detail::shape_str(shape), detail::shape_str(call.input(0).sizes()));
  }
  out.push_back({shape, {}, 0, a.dtype(), a.device()});
}

// Views a tensor as the 3-D (batch, rows, cols) operand of a GEMM.
StridedView as_matrix_batch(const Tensor& t, Product p, bool is_right) {
  StridedView v = detail::strided_view(t);
  if (t.dim() == 3) return v;
  if (t.dim() == 2) return StridedView{v.data, v.dtype, {1, t.size(0), t.size(1)}, {0, t.stride(0), t.stride(1)}};
  if (t.dim() == 1) {
    // A vector: a row (1 x k) on the left of a dot, a column (k x 1) on the right.
    if (!is_right) return StridedView{v.data, v.dtype, {1, 1, t.size(0)}, {0, 0, t.stride(0)}};
    return StridedView{v.data, v.dtype, {1, t.size(0), 1}, {0, t.stride(0), 1}};
  }
  // 0-d output of dot.
  return StridedView{v.data, v.dtype, {1, 1, 1}, {0, 0, 0}};
}

void product_kernel(const OpDef& def, const OpCall& call, Outputs& outputs) {
  const Product p = Product(def.code);
  const size_t first = has_input_term(p) ? 1 : 0;
  Tensor& out = outputs[0];
  kernels::cpu::ScalarArg beta{0.0, 0};
  kernels::cpu::ScalarArg alpha{1.0, 1};
  if (has_input_term(p)) {
    const Scalar& b = call.scalar_attr(0);
    const Scalar& a = call.scalar_attr(1);
    beta = {b.toDouble(), b.toLong()};
    alpha = {a.toDouble(), a.toLong()};
    // beta == 0 ignores the input entirely (NaN and inf are not propagated), as PyTorch documents.
    if (b.toDouble() != 0) kernels::cpu::copy(detail::strided_view(out), detail::broadcast_view(call.input(0), out.sizes()));
  }
  const Tensor& a = call.input(first);
  const Tensor& b = call.input(first + 1);
  kernels::cpu::gemm(as_matrix_batch(out, p, true), as_matrix_batch(a, p, false), as_matrix_batch(b, p, true), alpha,
                     beta);
}

// ---- backward formulas (derivatives.yaml: mm_mat1_backward / mm_mat2_backward, maybe_multiply) ----

// t * s, skipped when s == 1 as PyTorch's maybe_multiply does.
Tensor maybe_multiply(const Tensor& t, const Scalar& s) {
  if (!s.isBoolean() && s.toDouble() == 1.0) return t;
  return t * s;
}

// Call layout as the forward: inputs {a, b} or {input, a, b}; attrs {beta, alpha}. Saves a and b only.
GradList product_backward(const GradContext& ctx) {
  const Product p = Product(ctx.op.code);
  const size_t first = has_input_term(p) ? 1 : 0;
  const Tensor& g = ctx.grad(0);
  GradList out(first + 2);
  Scalar alpha = 1;
  if (has_input_term(p)) {
    alpha = ctx.call.scalar_attr(1);
    if (ctx.needs(0)) out[0] = maybe_multiply(g, ctx.call.scalar_attr(0));
  }
  const bool need_a = ctx.needs(first), need_b = ctx.needs(first + 1);
  if (!need_a && !need_b) return out;
  const Tensor& a = ctx.input(first);
  const Tensor& b = ctx.input(first + 1);
  Tensor ga, gb;
  switch (p) {
    case Product::Mm:
    case Product::Addmm:
      if (need_a) ga = g.mm(b.t());
      if (need_b) gb = a.t().mm(g);
      break;
    case Product::Bmm:
    case Product::Baddbmm:
      if (need_a) ga = g.bmm(b.transpose(1, 2));
      if (need_b) gb = a.transpose(1, 2).bmm(g);
      break;
    case Product::Mv:
    case Product::Addmv:
      if (need_a) ga = g.outer(b);
      if (need_b) gb = a.t().mv(g);
      break;
    case Product::Dot:
      if (need_a) ga = g * b;
      if (need_b) gb = g * a;
      break;
  }
  if (need_a) out[first] = maybe_multiply(ga, alpha);
  if (need_b) out[first + 1] = maybe_multiply(gb, alpha);
  return out;
}

#define EMBER_PRODUCT_DEF(var, name, schema, product)                                                       \
  const OpDef var{name, schema, OpKind::Compute, FusionClass::Extern, product_meta, product_kernel, nullptr, \
                  {product_backward, has_input_term(product) ? save({1, 2}) : save({0, 1}), kSaveNone},       \
                  nullptr, int32_t(product)};
EMBER_PRODUCT_DEF(mm_def, "mm", "(Tensor self, Tensor mat2) -> Tensor", Product::Mm)
EMBER_PRODUCT_DEF(bmm_def, "bmm", "(Tensor self, Tensor mat2) -> Tensor", Product::Bmm)
EMBER_PRODUCT_DEF(mv_def, "mv", "(Tensor self, Tensor vec) -> Tensor", Product::Mv)
EMBER_PRODUCT_DEF(dot_def, "dot", "(Tensor self, Tensor tensor) -> Tensor", Product::Dot)
EMBER_PRODUCT_DEF(addmm_def, "addmm", "(Tensor self, Tensor mat1, Tensor mat2, *, Scalar beta=1, Scalar alpha=1) -> Tensor",
                  Product::Addmm)
EMBER_PRODUCT_DEF(baddbmm_def, "baddbmm",
                  "(Tensor self, Tensor batch1, Tensor batch2, *, Scalar beta=1, Scalar alpha=1) -> Tensor",
                  Product::Baddbmm)
EMBER_PRODUCT_DEF(addmv_def, "addmv", "(Tensor self, Tensor mat, Tensor vec, *, Scalar beta=1, Scalar alpha=1) -> Tensor",
                  Product::Addmv)
#undef EMBER_PRODUCT_DEF

Tensor call_product(const OpDef& def, const Tensor& a, const Tensor& b) {
  OpCall call{{a, b}, {}};
  return dispatch_one(def, call);
}

Tensor call_product(const OpDef& def, const Tensor& input, const Tensor& a, const Tensor& b, const Scalar& beta,
                    const Scalar& alpha) {
  OpCall call{{input, a, b}, {beta, alpha}};
  return dispatch_one(def, call);
}

// ---- einsum ----

// One operand's subscripts: a label per dim; labels >= 256 stand for the dims under "...".
struct Subscripts {
  std::vector<int> labels;
};

constexpr int kEllipsisLabel = 256;

bool is_label(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Parses one operand's term ("ij", "b...j") against its rank.
Subscripts parse_term(std::string_view term, int64_t rank, int64_t operand, int64_t& ellipsis_dims) {
  Subscripts s;
  int64_t letters = 0;
  bool ellipsis = false;
  for (size_t i = 0; i < term.size(); ++i) {
    if (term[i] == '.') {
      EMBER_CHECK(!ellipsis && term.substr(i, 3) == "...",
                  "[einsum] found '.' for operand {} that is not part of any ellipsis; write \"...\" once per operand",
                  operand);
      ellipsis = true;
      i += 2;
    } else {
      EMBER_CHECK(is_label(term[i]), "[einsum] invalid subscript given at index {} in the equation string, subscripts "
                  "must be in [a-zA-Z]", i);
      ++letters;
    }
  }
  if (!ellipsis) {
    EMBER_CHECK(letters == rank,
                "[einsum] the number of subscripts in the equation ({}) does not match the number of dimensions ({}) "
                "for operand {} and no ellipsis was given",
                letters, rank, operand);
  } else {
    EMBER_CHECK(letters <= rank,
                "[einsum] the number of subscripts in the equation ({}) is more than the number of dimensions ({}) for "
                "operand {}",
                letters, rank, operand);
    ellipsis_dims = std::max(ellipsis_dims, rank - letters);
  }
  for (size_t i = 0; i < term.size(); ++i) {
    if (term[i] == '.') {
      // Ellipsis dims are right-aligned across operands, like broadcasting.
      const int64_t covered = rank - letters;
      for (int64_t d = 0; d < covered; ++d) s.labels.push_back(int(kEllipsisLabel + 64 - covered + d));
      i += 2;
    } else {
      s.labels.push_back(term[i]);
    }
  }
  return s;
}

// A tensor together with the label of each of its dims.
struct Labeled {
  Tensor t;
  std::vector<int> labels;
};

// Takes diagonals so that each label appears once.
Labeled fold_repeated(Labeled x) {
  for (size_t i = 0; i < x.labels.size(); ++i) {
    for (size_t j = i + 1; j < x.labels.size();) {
      if (x.labels[j] != x.labels[i]) { ++j; continue; }
      EMBER_CHECK(x.t.size(int64_t(i)) == x.t.size(int64_t(j)),
                  "[einsum] subscript {} is repeated for operand but the sizes don't match, {} != {}",
                  char(x.labels[i]), x.t.size(int64_t(i)), x.t.size(int64_t(j)));
      // diagonal() removes both dims and appends the diagonal last; move it back to i.
      x.t = x.t.diagonal(0, int64_t(i), int64_t(j)).movedim(-1, int64_t(i));
      x.labels.erase(x.labels.begin() + int64_t(j));
    }
  }
  return x;
}

// Sums away labels that no other operand and not the output use.
Labeled sum_private(Labeled x, const std::vector<int>& keep) {
  std::vector<int64_t> dims;
  std::vector<int> labels;
  for (size_t i = 0; i < x.labels.size(); ++i) {
    if (std::find(keep.begin(), keep.end(), x.labels[i]) == keep.end()) dims.push_back(int64_t(i));
    else labels.push_back(x.labels[i]);
  }
  if (dims.empty()) return x;
  return {x.t.sum(dims), labels};
}

// Contracts two labeled operands through one bmm: batch labels (kept), contracted labels (summed), free labels.
Labeled contract(const Labeled& a, const Labeled& b, const std::vector<int>& keep) {
  std::vector<int> batch, contracted, free_a, free_b;
  std::map<int, int64_t> size;
  for (size_t i = 0; i < a.labels.size(); ++i) size[a.labels[i]] = a.t.size(int64_t(i));
  for (size_t i = 0; i < b.labels.size(); ++i) {
    const int l = b.labels[i];
    const int64_t s = b.t.size(int64_t(i));
    if (size.count(l) && size[l] != s && size[l] != 1 && s != 1)
      EMBER_FAIL("[einsum] subscript {} has size {} for operand 1 which does not broadcast with previously seen size {}",
                 l < kEllipsisLabel ? std::string(1, char(l)) : std::string("..."), s, size[l]);
    size[l] = size.count(l) ? std::max(size[l], s) : s;
  }
  auto in = [](const std::vector<int>& v, int l) { return std::find(v.begin(), v.end(), l) != v.end(); };
  for (int l : a.labels) {
    if (in(b.labels, l)) (in(keep, l) ? batch : contracted).push_back(l);
    else free_a.push_back(l);
  }
  for (int l : b.labels)
    if (!in(a.labels, l)) free_b.push_back(l);
  auto arrange = [&](const Labeled& x, const std::vector<std::vector<int>>& groups) {
    std::vector<int64_t> perm;
    DimVector sizes;
    for (const auto& g : groups)
      for (int l : g) {
        const auto pos = std::find(x.labels.begin(), x.labels.end(), l);
        perm.push_back(pos == x.labels.end() ? -1 : int64_t(pos - x.labels.begin()));
        sizes.push_back(size[l]);
      }
    // Labels missing from this operand (a free label of the other) never reach here; broadcast size-1 dims expand.
    Tensor t = x.t.permute(perm).expand(sizes);
    return t;
  };
  auto product = [&](const std::vector<int>& g) {
    int64_t n = 1;
    for (int l : g) n *= size[l];
    return n;
  };
  const int64_t nb = product(batch), nc = product(contracted), na = product(free_a), nf = product(free_b);
  Tensor ta = arrange(a, {batch, free_a, contracted}).reshape({nb, na, nc});
  Tensor tb = arrange(b, {batch, contracted, free_b}).reshape({nb, nc, nf});
  DimVector out_sizes;
  std::vector<int> labels;
  for (const auto* g : {&batch, &free_a, &free_b})
    for (int l : *g) {
      out_sizes.push_back(size[l]);
      labels.push_back(l);
    }
  return {bmm(ta, tb).reshape(out_sizes), labels};
}

}  // namespace

void register_linalg_ops(OpRegistry& r) {
  for (const OpDef* d : {&mm_def, &bmm_def, &mv_def, &dot_def, &addmm_def, &baddbmm_def, &addmv_def}) r.add(d);
}

Tensor mm(const Tensor& a, const Tensor& b) { return call_product(mm_def, a, b); }
Tensor bmm(const Tensor& a, const Tensor& b) { return call_product(bmm_def, a, b); }
Tensor mv(const Tensor& mat, const Tensor& vec) { return call_product(mv_def, mat, vec); }
Tensor dot(const Tensor& a, const Tensor& b) {
  EMBER_CHECK(a.dtype() == b.dtype(), "[dot] expected both vectors to have same dtype, but found {} and {}",
              to_string(a.dtype()), to_string(b.dtype()));
  return call_product(dot_def, a, b);
}
Tensor addmm(const Tensor& input, const Tensor& m1, const Tensor& m2, const Scalar& beta, const Scalar& alpha) {
  return call_product(addmm_def, input, m1, m2, beta, alpha);
}
Tensor addmv(const Tensor& input, const Tensor& mat, const Tensor& vec, const Scalar& beta, const Scalar& alpha) {
  return call_product(addmv_def, input, mat, vec, beta, alpha);
}
Tensor baddbmm(const Tensor& input, const Tensor& b1, const Tensor& b2, const Scalar& beta, const Scalar& alpha) {
  return call_product(baddbmm_def, input, b1, b2, beta, alpha);
}

Tensor matmul(const Tensor& a, const Tensor& b) {
  const int64_t da = a.dim(), db = b.dim();
  EMBER_CHECK(da >= 1 && db >= 1, "[matmul] both arguments to matmul need to be at least 1D, but they are {}D and {}D",
              da, db);
  if (da == 1 && db == 1) return dot(a, b);
  if (da == 2 && db == 1) return mv(a, b);
  if (da == 1 && db == 2) return mm(a.unsqueeze(0), b).squeeze(0);
  if (da == 2 && db == 2) return mm(a, b);
  if (da >= 3 && (db == 1 || db == 2)) {
    // Fold a's batch dims into its rows: one mm instead of a batched product.
    DimVector out_sizes(a.sizes().begin(), a.sizes().end() - 1);
    const Tensor rhs = db == 1 ? b.unsqueeze(1) : b;
    EMBER_CHECK(a.size(-1) == rhs.size(0), "[matmul] mat1 and mat2 shapes cannot be multiplied ({}x{} and {}x{})",
                a.numel() / std::max<int64_t>(a.size(-1), 1), a.size(-1), rhs.size(0), rhs.size(1));
    if (db == 2) out_sizes.push_back(b.size(1));
    return mm(a.reshape({-1, a.size(-1)}), rhs).reshape(out_sizes);
  }
  // Batched: broadcast the batch dims, multiply with bmm, drop the dims added for 1-D operands.
  const Tensor a2 = da == 1 ? a.unsqueeze(0) : a;
  const Tensor b2 = db == 1 ? b.unsqueeze(1) : b;
  const int64_t n = a2.size(-2), k = a2.size(-1), k2 = b2.size(-2), p = b2.size(-1);
  EMBER_CHECK(k == k2, "[matmul] mat1 and mat2 shapes cannot be multiplied ({}x{} and {}x{}) in a batched product",
              n, k, k2, p);
  const IntArrayRef batch_a = a2.sizes().slice(0, size_t(a2.dim() - 2));
  const IntArrayRef batch_b = b2.sizes().slice(0, size_t(b2.dim() - 2));
  const DimVector batch = detail::broadcast_shape("matmul", batch_a, batch_b);
  const int64_t nb = detail::product(batch);
  DimVector ea = batch, eb = batch;
  ea.push_back(n);
  ea.push_back(k);
  eb.push_back(k);
  eb.push_back(p);
  Tensor out = bmm(a2.expand(ea).reshape({nb, n, k}), b2.expand(eb).reshape({nb, k, p}));
  DimVector out_sizes = batch;
  if (da > 1) out_sizes.push_back(n);
  if (db > 1) out_sizes.push_back(p);
  return out.reshape(out_sizes);
}

Tensor outer(const Tensor& a, const Tensor& b) {
  EMBER_CHECK(a.dim() == 1 && b.dim() == 1, "[outer] expected 1D tensors, but got {}D and {}D tensors", a.dim(),
              b.dim());
  return a.unsqueeze(1) * b.unsqueeze(0);
}

Tensor tensordot(const Tensor& a, const Tensor& b, IntArrayRef dims_a, IntArrayRef dims_b) {
  EMBER_CHECK(dims_a.size() == dims_b.size(), "[tensordot] both dimension lists should have same length, got {} and {}",
              dims_a.size(), dims_b.size());
  const auto mask_a = detail::dim_mask("tensordot", dims_a, a.dim());
  const auto mask_b = detail::dim_mask("tensordot", dims_b, b.dim());
  std::vector<int64_t> perm_a, perm_b;
  DimVector out_sizes;
  int64_t free_a = 1, free_b = 1, contracted = 1;
  for (int64_t d = 0; d < a.dim(); ++d)
    if (!mask_a[size_t(d)]) {
      perm_a.push_back(d);
      out_sizes.push_back(a.size(d));
      free_a *= a.size(d);
    }
  for (size_t i = 0; i < dims_a.size(); ++i) {
    const int64_t da = detail::wrap_dim("tensordot", dims_a[i], a.dim());
    const int64_t db = detail::wrap_dim("tensordot", dims_b[i], b.dim());
    EMBER_CHECK(a.size(da) == b.size(db),
                "[tensordot] contracted dimensions need to match, but first has size {} in dim {} and second has size "
                "{} in dim {}",
                a.size(da), da, b.size(db), db);
    perm_a.push_back(da);
    perm_b.push_back(db);
    contracted *= a.size(da);
  }
  for (int64_t d = 0; d < b.dim(); ++d)
    if (!mask_b[size_t(d)]) {
      perm_b.push_back(d);
      out_sizes.push_back(b.size(d));
      free_b *= b.size(d);
    }
  Tensor ma = a.permute(perm_a).reshape({free_a, contracted});
  Tensor mb = b.permute(perm_b).reshape({contracted, free_b});
  return mm(ma, mb).reshape(out_sizes);
}

Tensor tensordot(const Tensor& a, const Tensor& b, int64_t dims) {
  EMBER_CHECK(dims >= 0 && dims <= a.dim() && dims <= b.dim(),
              "[tensordot] expects dims in [0, {}] for tensors of {} and {} dims, got {}", std::min(a.dim(), b.dim()),
              a.dim(), b.dim(), dims);
  std::vector<int64_t> da, db;
  for (int64_t i = 0; i < dims; ++i) {
    da.push_back(a.dim() - dims + i);
    db.push_back(i);
  }
  return tensordot(a, b, da, db);
}

Tensor einsum(std::string_view equation, TensorList operands) {
  std::string eq;
  for (char c : equation)
    if (c != ' ') eq += c;
  const auto arrow = eq.find("->");
  const std::string lhs = eq.substr(0, arrow);
  std::vector<std::string> terms;
  for (size_t start = 0;;) {
    const auto comma = lhs.find(',', start);
    terms.push_back(lhs.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  EMBER_CHECK(terms.size() == operands.size(),
              "[einsum] more operands were provided than specified in the equation, or fewer: the equation has {} "
              "terms and {} operands were given",
              terms.size(), operands.size());
  EMBER_CHECK(!operands.empty(), "[einsum] must provide at least one operand");
  int64_t ellipsis_dims = 0;
  std::vector<Labeled> items;
  std::map<int, int> counts;
  for (size_t i = 0; i < operands.size(); ++i) {
    Subscripts s = parse_term(terms[i], operands[i].dim(), int64_t(i), ellipsis_dims);
    for (int l : s.labels) counts[l]++;
    items.push_back({operands[i], s.labels});
  }
  // The output: explicit after "->", else "..." dims then the labels seen once, alphabetically.
  std::vector<int> output;
  if (arrow != std::string::npos) {
    const std::string rhs = eq.substr(arrow + 2);
    for (size_t i = 0; i < rhs.size(); ++i) {
      if (rhs[i] == '.') {
        EMBER_CHECK(rhs.substr(i, 3) == "...", "[einsum] found '.' for output that is not part of any ellipsis");
        for (int64_t d = 0; d < ellipsis_dims; ++d) output.push_back(int(kEllipsisLabel + 64 - ellipsis_dims + d));
        i += 2;
        continue;
      }
      EMBER_CHECK(is_label(rhs[i]), "[einsum] invalid subscript given at index {} in the output, subscripts must be in "
                  "[a-zA-Z]", i);
      EMBER_CHECK(counts.count(rhs[i]), "[einsum] output subscript {} does not appear in the equation for any input "
                  "operand", rhs[i]);
      EMBER_CHECK(std::find(output.begin(), output.end(), int(rhs[i])) == output.end(),
                  "[einsum] output subscript {} appears more than once in the output", rhs[i]);
      output.push_back(rhs[i]);
    }
  } else {
    for (int64_t d = 0; d < ellipsis_dims; ++d) output.push_back(int(kEllipsisLabel + 64 - ellipsis_dims + d));
    std::vector<int> once;
    for (auto [l, c] : counts)
      if (c == 1 && l < kEllipsisLabel) once.push_back(l);
    std::sort(once.begin(), once.end(), [](int x, int y) {
      // Python's order: upper case before lower case.
      return x < y;
    });
    output.insert(output.end(), once.begin(), once.end());
  }
  // Labels still needed by operands after position i, or by the output.
  auto needed_after = [&](size_t i) {
    std::vector<int> keep = output;
    for (size_t j = i + 1; j < items.size(); ++j) keep.insert(keep.end(), items[j].labels.begin(), items[j].labels.end());
    return keep;
  };
  Labeled acc = sum_private(fold_repeated(items[0]), needed_after(0));
  for (size_t i = 1; i < items.size(); ++i) {
    std::vector<int> keep = needed_after(i);
    Labeled next = fold_repeated(items[i]);
    std::vector<int> keep_next = keep;
    keep_next.insert(keep_next.end(), acc.labels.begin(), acc.labels.end());
    next = sum_private(next, keep_next);
    acc = contract(acc, next, keep);
  }
  acc = sum_private(acc, output);
  std::vector<int64_t> perm;
  for (int l : output) {
    const auto pos = std::find(acc.labels.begin(), acc.labels.end(), l);
    perm.push_back(int64_t(pos - acc.labels.begin()));
  }
  return acc.t.permute(perm);
}

Tensor Tensor::mm(const Tensor& o) const { return ember::mm(*this, o); }
Tensor Tensor::bmm(const Tensor& o) const { return ember::bmm(*this, o); }
Tensor Tensor::mv(const Tensor& v) const { return ember::mv(*this, v); }
Tensor Tensor::dot(const Tensor& o) const { return ember::dot(*this, o); }
Tensor Tensor::matmul(const Tensor& o) const { return ember::matmul(*this, o); }
Tensor Tensor::outer(const Tensor& o) const { return ember::outer(*this, o); }
Tensor Tensor::addmm(const Tensor& m1, const Tensor& m2, const Scalar& beta, const Scalar& alpha) const {
  return ember::addmm(*this, m1, m2, beta, alpha);
}
Tensor Tensor::addmv(const Tensor& m, const Tensor& v, const Scalar& beta, const Scalar& alpha) const {
  return ember::addmv(*this, m, v, beta, alpha);
}
Tensor Tensor::baddbmm(const Tensor& b1, const Tensor& b2, const Scalar& beta, const Scalar& alpha) const {
  return ember::baddbmm(*this, b1, b2, beta, alpha);
}

}  // namespace ember
