// Losses through the registry: elementwise losses (mse, l1, smooth l1, binary cross entropy with and without
// logits) and class losses (nll_loss, cross_entropy), each with PyTorch's reductions and checks.
#include <string_view>

#include "eager/meta.h"
#include "eager/ops.h"
#include "eager/ops_nn.h"
#include "eager/ops_nn_impl.h"
#include "kernels/check.h"
#include "kernels/cpu/nn.h"

namespace ember {

void register_loss_ops(OpRegistry& r);

LossReduction::LossReduction(Reduction::Reduction reduction) : LossReduction(int64_t(reduction)) {}
LossReduction::LossReduction(int reduction) : LossReduction(int64_t(reduction)) {}
LossReduction::LossReduction(int64_t reduction) : value_(Reduction::Reduction(reduction)) {
  EMBER_CHECK(reduction >= 0 && reduction <= 2,
              "[reduction] {} is not a valid value for reduction: expected Reduction::None (0), Reduction::Mean (1) "
              "or Reduction::Sum (2).",
              reduction);
}
LossReduction::LossReduction(const char* name) : value_(Reduction::Mean) {
  EMBER_CHECK(name != nullptr, "[reduction] got a null name: expected \"none\", \"mean\" or \"sum\".");
  *this = LossReduction(std::string_view(name));
}
LossReduction::LossReduction(const std::string& name) : LossReduction(std::string_view(name)) {}
LossReduction::LossReduction(std::string_view name) : value_(Reduction::Mean) {
  if (name == "none")
    value_ = Reduction::None;
  else if (name == "mean")
    value_ = Reduction::Mean;
  else if (name == "sum")
    value_ = Reduction::Sum;
  else
    EMBER_FAIL("[reduction] {} is not a valid value for reduction: expected \"none\", \"mean\" or \"sum\".", name);
}

namespace {

using detail::optional_input;
using kernels::StridedView;
using kernels::cpu::PointwiseLoss;

kernels::cpu::LossReduction kernel_reduction(const OpDef& def, int64_t reduction) {
  EMBER_CHECK(reduction >= 0 && reduction <= 2, "[{}] reduction must be 0 (none), 1 (mean) or 2 (sum), but got {}",
              def.name, reduction);
  return kernels::cpu::LossReduction(reduction);
}

// The output geometry of a loss: the per-sample shape for reduction none, else a scalar.
DimVector loss_shape(const OpDef& def, int64_t reduction, IntArrayRef per_element) {
  return kernel_reduction(def, reduction) == kernels::cpu::LossReduction::None ? DimVector(per_element) : DimVector{};
}

void check_floating(const OpDef& def, const Tensor& t, std::string_view what) {
  EMBER_CHECK(is_floating_point(t.dtype()),
              "[{}] expected a floating point {}, but got {}. Convert it with .to(kFloat).", def.name, what,
              to_string(t.dtype()));
}

// `t` in `dtype` (a converted copy only when it differs).
Tensor in_dtype(const Tensor& t, ScalarType dtype) { return t.dtype() == dtype ? t : detail::dense(t, dtype); }

// The view the kernel writes: the whole output for reduction none, else its one element.
StridedView loss_out_view(const Tensor& out) {
  if (out.dim() > 0) return detail::strided_view(out);
  return StridedView{out.data_ptr(), out.dtype(), {}, {}};
}

// ================================ elementwise losses ================================
// Call layout: inputs {self, target, weight?, pos_weight?}, attrs {reduction: int, beta: double,
// optionals: int mask over (weight, pos_weight)}. beta is read by smooth_l1_loss only; only the binary
// cross entropies take weights.

struct PointwiseArgs {
  Tensor input, target, weight, pos_weight;
  int64_t reduction;
  double beta;
};

PointwiseArgs pointwise_args(const OpCall& call) {
  const int64_t mask = call.int_attr(2);
  return {call.input(0),    call.input(1),      optional_input(call, 2, mask, 0), optional_input(call, 2, mask, 1),
          call.int_attr(0), call.double_attr(1)};
}

// Shape and dtype of the per-element loss, after PyTorch's checks for each loss.
std::pair<DimVector, ScalarType> pointwise_geometry(const OpDef& def, const PointwiseArgs& a) {
  const Tensor& x = a.input;
  const Tensor& y = a.target;
  switch (PointwiseLoss(def.code)) {
    case PointwiseLoss::Mse:
    case PointwiseLoss::L1:
    case PointwiseLoss::SmoothL1: {
      DimVector shape = detail::broadcast_shape(def.name, x.sizes(), y.sizes());
      const ScalarType dtype = detail::result_type({x, y});
      EMBER_CHECK(is_floating_point(dtype),
                  "[{}] expected floating point input and target, but got {} and {}. Convert them with .to(kFloat).",
                  def.name, to_string(x.dtype()), to_string(y.dtype()));
      if (PointwiseLoss(def.code) == PointwiseLoss::SmoothL1)
        EMBER_CHECK(a.beta >= 0, "[{}] smooth_l1_loss does not support negative values for beta, got beta={}.",
                    def.name, a.beta);
      return {shape, dtype};
    }
    case PointwiseLoss::BinaryCrossEntropy:
      EMBER_CHECK(y.sizes() == x.sizes(),
                  "[{}] Using a target size ({}) that is different to the input size ({}) is deprecated. Please "
                  "ensure they have the same size.",
                  def.name, detail::shape_str(y.sizes()), detail::shape_str(x.sizes()));
      check_floating(def, x, "input");
      EMBER_CHECK(y.dtype() == x.dtype(),
                  "[{}] Found dtype {} but expected {}: the target must have the input's dtype. Convert it with "
                  ".to(k{}).",
                  def.name, to_string(y.dtype()), to_string(x.dtype()), to_string(x.dtype()));
      return {DimVector(x.sizes()), x.dtype()};
    case PointwiseLoss::BinaryCrossEntropyWithLogits:
      EMBER_CHECK(y.sizes() == x.sizes(), "[{}] Target size ({}) must be the same as input size ({})", def.name,
                  detail::shape_str(y.sizes()), detail::shape_str(x.sizes()));
      check_floating(def, x, "input");
      check_floating(def, y, "target");
      return {DimVector(x.sizes()), detail::result_type({x, y})};
  }
  return {};
}

void pointwise_loss_meta(const OpDef& def, const OpCall& call, MetaOutputs& out) {
  const PointwiseArgs a = pointwise_args(call);
  const auto [shape, dtype] = pointwise_geometry(def, a);
  const std::pair<const char*, const Tensor*> weights[] = {{"weight", &a.weight}, {"pos_weight", &a.pos_weight}};
  for (const auto& [name, w] : weights) {
    if (!w->defined()) continue;
    check_floating(def, *w, name);
    // The weights scale the loss in place, so they may broadcast into its shape but never grow it.
    const DimVector joined = detail::broadcast_shape(def.name, shape, w->sizes());
    EMBER_CHECK(IntArrayRef(joined) == IntArrayRef(shape),
                "[{}] output with shape {} doesn't match the broadcast shape {}: {} of shape {} must broadcast to the "
                "input's shape.",
                def.name, detail::shape_str(shape), detail::shape_str(joined), name, detail::shape_str(w->sizes()));
  }
  out.push_back({loss_shape(def, a.reduction, shape), {}, 0, dtype, a.input.device()});
}

void pointwise_loss_kernel(const OpDef& def, const OpCall& call, Outputs& outputs) {
  const PointwiseArgs a = pointwise_args(call);
  const auto [shape, dtype] = pointwise_geometry(def, a);
  auto view = [&](const Tensor& t) { return t.defined() ? detail::broadcast_view(t, shape) : StridedView{}; };
  // Converted copies stay alive (named here) while the kernel reads them.
  const Tensor x = in_dtype(a.input, dtype), y = in_dtype(a.target, dtype);
  const Tensor w = a.weight.defined() ? in_dtype(a.weight, dtype) : Tensor();
  const Tensor pw = a.pos_weight.defined() ? in_dtype(a.pos_weight, dtype) : Tensor();
  kernels::cpu::pointwise_loss(PointwiseLoss(def.code), kernel_reduction(def, a.reduction), loss_out_view(outputs[0]),
                               view(x), view(y), view(w), view(pw), a.beta);
}

Tensor reduce_loss(const Tensor& loss, int64_t reduction) {
  if (reduction == Reduction::Mean) return loss.mean();
  if (reduction == Reduction::Sum) return loss.sum();
  return loss;
}

// The regression losses as pointwise primitives plus a reduction, for the JIT to fuse.
Outputs regression_loss_decomposition(const OpDef& def, const OpCall& call) {
  const PointwiseArgs a = pointwise_args(call);
  const Tensor d = a.input - a.target;
  Tensor loss;
  switch (PointwiseLoss(def.code)) {
    case PointwiseLoss::Mse: loss = d * d; break;
    case PointwiseLoss::SmoothL1:
      if (a.beta > 0) {
        const Tensor z = abs(d);
        loss = where(z < a.beta, z * z * (0.5 / a.beta), z - 0.5 * a.beta);
        break;
      }
      [[fallthrough]];
    default: loss = abs(d); break;
  }
  return {reduce_loss(loss, a.reduction)};
}

// ---- backward of the elementwise losses ----
// Each follows PyTorch's *_loss_backward: the per-element derivative times grad, where a mean also divides
// by the element count (of the broadcast shape). Masks and signs come from comparisons, which record
// nothing, so every formula is differentiable again through its remaining ember ops.

// grad spread over the elements: grad itself for none (per element) and sum (0-d, broadcasting), grad /
// numel for mean.
Tensor elementwise_grad(const GradContext& ctx, int64_t reduction) {
  const Tensor& g = ctx.grad(0);
  if (reduction != Reduction::Mean) return g;
  const DimVector shape = detail::broadcast_shape(ctx.op.name, ctx.input_sizes(0), ctx.input_sizes(1));
  return g / double(detail::product(shape));
}

// -1, 0 or 1 in `dtype`, computed with comparisons (sign's derivative is zero everywhere).
Tensor sign_of(const Tensor& d) { return gt(d, 0.0).to(d.dtype()) - lt(d, 0.0).to(d.dtype()); }

GradList pointwise_loss_backward(const GradContext& ctx) {
  const PointwiseArgs a = pointwise_args(ctx.call);
  const Tensor gl = elementwise_grad(ctx, a.reduction);
  const Tensor& x = a.input;
  const Tensor& t = a.target;
  GradList grads(ctx.input_metas.size());
  Tensor gx, gt_;
  switch (PointwiseLoss(ctx.op.code)) {
    case PointwiseLoss::Mse: {
      gx = (x - t) * 2.0 * gl;
      gt_ = gx * -1.0;
      break;
    }
    case PointwiseLoss::L1: {
      gx = sign_of((x - t).detach()) * gl;
      gt_ = gx * -1.0;
      break;
    }
    case PointwiseLoss::SmoothL1: {
      const Tensor d = x - t;
      const Tensor dd = d.detach();
      if (a.beta == 0) {
        gx = sign_of(dd) * gl;
      } else {
        // where(|d| < beta, d / beta, sign(d)) with the mask as a constant.
        const Tensor inside = lt(abs(dd), a.beta).to(dd.dtype());
        gx = (inside * d / a.beta + (1.0 - inside) * sign_of(dd)) * gl;
      }
      gt_ = gx * -1.0;
      break;
    }
    case PointwiseLoss::BinaryCrossEntropy: {
      // PyTorch: grad * (x - t) / max(x (1 - x), 1e-12) * w; the target's: -logit(x) * grad * w.
      const Tensor wgl = a.weight.defined() ? gl * a.weight : gl;
      if (ctx.needs(0)) gx = (x - t) / clamp_min((1.0 - x) * x, 1e-12) * wgl;
      if (ctx.needs(1)) gt_ = (log(1.0 - x) - log(x)) * wgl;
      break;
    }
    case PointwiseLoss::BinaryCrossEntropyWithLogits: {
      const Tensor wgl = a.weight.defined() ? gl * a.weight : gl;
      if (a.pos_weight.defined()) {
        const Tensor pt = a.pos_weight * t;
        if (ctx.needs(0)) gx = ((pt + 1.0 - t) * sigmoid(x) - pt) * wgl;
        if (ctx.needs(1)) gt_ = (log_sigmoid(x * -1.0) - log_sigmoid(x) * a.pos_weight) * wgl;
      } else {
        if (ctx.needs(0)) gx = (sigmoid(x) - t) * wgl;
        if (ctx.needs(1)) gt_ = x * wgl * -1.0;
      }
      break;
    }
  }
  if (ctx.needs(0)) grads[0] = gx;
  if (ctx.needs(1)) grads[1] = gt_;
  return grads;  // weight and pos_weight get none, as in PyTorch
}

#define EMBER_POINTWISE_LOSS_DEF(var, name_, schema_, loss_kind, decomposition_) \
  const OpDef var{.name = name_,                                                 \
                  .schema = schema_,                                             \
                  .kind = OpKind::Compute,                                       \
                  .fusion = FusionClass::Opaque,                                 \
                  .meta = pointwise_loss_meta,                                   \
                  .cpu = pointwise_loss_kernel,                                  \
                  .backward = {pointwise_loss_backward, kSaveAll, kSaveNone},    \
                  .decomposition = decomposition_,                               \
                  .code = int32_t(loss_kind)};
EMBER_POINTWISE_LOSS_DEF(mse_def, "mse_loss", "(Tensor self, Tensor target, int reduction=Mean) -> Tensor",
                         PointwiseLoss::Mse, regression_loss_decomposition)
EMBER_POINTWISE_LOSS_DEF(l1_def, "l1_loss", "(Tensor self, Tensor target, int reduction=Mean) -> Tensor",
                         PointwiseLoss::L1, regression_loss_decomposition)
EMBER_POINTWISE_LOSS_DEF(smooth_l1_def, "smooth_l1_loss",
                         "(Tensor self, Tensor target, int reduction=Mean, float beta=1.0) -> Tensor",
                         PointwiseLoss::SmoothL1, regression_loss_decomposition)
EMBER_POINTWISE_LOSS_DEF(bce_def, "binary_cross_entropy",
                         "(Tensor self, Tensor target, Tensor? weight=None, int reduction=Mean) -> Tensor",
                         PointwiseLoss::BinaryCrossEntropy, nullptr)
EMBER_POINTWISE_LOSS_DEF(bce_logits_def, "binary_cross_entropy_with_logits",
                         "(Tensor self, Tensor target, Tensor? weight=None, Tensor? pos_weight=None, int "
                         "reduction=Mean) -> Tensor",
                         PointwiseLoss::BinaryCrossEntropyWithLogits, nullptr)
#undef EMBER_POINTWISE_LOSS_DEF

Tensor call_pointwise_loss(const OpDef& def, const Tensor& self, const Tensor& target, LossReduction reduction,
                           double beta = 1.0, const std::optional<Tensor>& weight = std::nullopt,
                           const std::optional<Tensor>& pos_weight = std::nullopt) {
  OpCall call{{self, target}, {}};
  const int64_t mask = detail::push_optional(call, {&weight, &pos_weight});
  call.attrs = {int64_t(reduction.value()), beta, mask};
  return dispatch_one(def, call);
}

// ================================ class losses ================================
// nll_loss: inputs {self, target, weight?}, attrs {reduction: int, ignore_index: int}.
// cross_entropy_loss: the same plus attr {label_smoothing: double}. weight is present when there are
// three inputs.

// Scores laid out (batch, classes, inner) and the shape of one loss per sample.
struct ClassLayout {
  int64_t batch = 1, classes = 0, inner = 1;
  DimVector sample_shape;
};

ClassLayout class_layout(const Tensor& x) {
  if (x.dim() == 1) return {1, x.size(0), 1, {}};
  ClassLayout l{x.size(0), x.size(1), detail::product(x.sizes().slice(2)), {x.size(0)}};
  for (int64_t d = 2; d < x.dim(); ++d) l.sample_shape.push_back(x.size(d));
  return l;
}

void check_class_weight(const OpDef& def, const Tensor& x, const Tensor& weight, int64_t classes,
                        std::string_view prefix) {
  if (!weight.defined()) return;
  EMBER_CHECK(weight.dim() == 1 && weight.numel() == classes,
              "[{}] {}weight tensor should be defined either for all {} classes or no classes but got weight tensor of "
              "shape: {}",
              def.name, prefix, classes, detail::shape_str(weight.sizes()));
  check_floating(def, weight, "weight");
}

// PyTorch's nll_loss_nd checks of scores against class-index targets.
ClassLayout class_index_layout(const OpDef& def, const Tensor& x, const Tensor& target, const Tensor& weight) {
  EMBER_CHECK(x.dim() >= 1, "[{}] Expected 1 or more dimensions (got {})", def.name, x.dim());
  check_floating(def, x, "input");
  if (x.dim() == 1) {
    EMBER_CHECK(target.dim() == 0,
                "[{}] size mismatch (got input: {}, target: {}): an unbatched input of shape (C) takes a 0-d class "
                "index as target.",
                def.name, detail::shape_str(x.sizes()), detail::shape_str(target.sizes()));
  } else {
    EMBER_CHECK(target.dim() >= 1,
                "[{}] Expected a target of shape {} (one class index per sample) for input of shape {}, but got a 0-d "
                "target.",
                def.name, detail::shape_str(class_layout(x).sample_shape), detail::shape_str(x.sizes()));
    EMBER_CHECK(x.size(0) == target.size(0), "[{}] Expected input batch_size ({}) to match target batch_size ({}).",
                def.name, x.size(0), target.size(0));
    if (x.dim() == 2)
      EMBER_CHECK(target.dim() == 1,
                  "[{}] 0D or 1D target tensor expected, multi-target not supported (got target of "
                  "shape {})",
                  def.name, detail::shape_str(target.sizes()));
  }
  const ClassLayout layout = class_layout(x);
  EMBER_CHECK(target.sizes() == IntArrayRef(layout.sample_shape), "[{}] Expected target size {}, got {}", def.name,
              detail::shape_str(layout.sample_shape), detail::shape_str(target.sizes()));
  EMBER_CHECK(target.dtype() == kLong || target.dtype() == kByte,
              "[{}] expected scalar type Long but found {}: targets are class indices. Convert them with .to(kLong).",
              def.name, to_string(target.dtype()));
  check_class_weight(def, x, weight, layout.classes, "");
  if (weight.defined())
    EMBER_CHECK(weight.dtype() == x.dtype(),
                "[{}] expected scalar type {} but found {}: weight must have the input's dtype. Convert it with "
                ".to(k{}).",
                def.name, to_string(x.dtype()), to_string(weight.dtype()), to_string(x.dtype()));
  return layout;
}

Tensor class_weight(const OpCall& call) { return call.inputs.size() == 3 ? call.input(2) : Tensor(); }

void nll_loss_meta(const OpDef& def, const OpCall& call, MetaOutputs& out) {
  const Tensor& x = call.input(0);
  const ClassLayout layout = class_index_layout(def, x, call.input(1), class_weight(call));
  out.push_back({loss_shape(def, call.int_attr(0), layout.sample_shape), {}, 0, x.dtype(), x.device()});
}

// Runs the class-index kernel; `logits` for cross entropy, with its label smoothing.
void run_class_index_loss(const OpDef& def, const OpCall& call, Tensor& out, bool logits, double label_smoothing) {
  const Tensor x = detail::dense(call.input(0), call.input(0).dtype());
  const Tensor target = detail::dense(call.input(1), kLong);
  const Tensor weight = class_weight(call);
  const std::vector<double> w = detail::to_doubles(weight);
  const ClassLayout layout = class_layout(x);
  kernels::cpu::ClassIndexLoss args;
  args.op = def.name.data();
  args.dtype = x.dtype();
  args.input = x.data_ptr();
  args.target = target.data_ptr<int64_t>();
  args.weight = detail::data_or_null(w, weight);
  args.batch = layout.batch;
  args.classes = layout.classes;
  args.inner = layout.inner;
  args.ignore_index = call.int_attr(1);
  args.logits = logits;
  args.label_smoothing = label_smoothing;
  args.reduction = kernel_reduction(def, call.int_attr(0));
  args.out = out.data_ptr();
  kernels::cpu::class_index_loss(args);
}

void nll_loss_kernel(const OpDef& def, const OpCall& call, Outputs& outputs) {
  run_class_index_loss(def, call, outputs[0], false, 0.0);
}

// ---- backward of the class losses ----
// The class dim of scores shaped (C) or (N, C, d1, ...).
int64_t class_dim(IntArrayRef sizes) { return sizes.size() == 1 ? 0 : 1; }

// What the class-index losses share: per sample, whether it counts (target != ignore_index), the weight
// of its class (1 without weights; 0 where ignored) and the one-hot of its class laid out like the
// scores. All are constants computed from target and weight.
struct ClassIndexTerms {
  Tensor onehot;      // scores' shape, dtype
  Tensor sample_w;    // target's shape, dtype: weight[target] * valid
  Tensor valid;       // target's shape, dtype
};

ClassIndexTerms class_index_terms(IntArrayRef sizes, ScalarType dtype, const Tensor& target, const Tensor& weight,
                                  int64_t ignore_index) {
  const int64_t classes = sizes[size_t(class_dim(sizes))];
  const Tensor t = target.to(kLong);
  const Tensor valid_b = ne(t, ignore_index);
  const Tensor safe = t * valid_b.to(kLong);
  ClassIndexTerms r;
  r.valid = valid_b.to(dtype);
  Tensor onehot = one_hot(safe, classes).to(dtype);
  if (sizes.size() > 1) onehot = onehot.movedim(-1, 1);
  r.onehot = onehot;
  r.sample_w = weight.defined()
                   ? weight.detach().to(dtype).index_select(0, safe.reshape({-1})).reshape(t.sizes()) * r.valid
                   : r.valid;
  return r;
}

// The gradient per sample of a class loss: grad for none, grad (0-d) for sum, grad / denominator for mean.
Tensor class_sample_grad(const Tensor& g, int64_t reduction, const Tensor& denominator) {
  return reduction == Reduction::Mean ? g / denominator : g;
}

// grad shaped per sample, made to broadcast against the scores (a size-1 class dim).
Tensor at_class_dim(const Tensor& per_sample, IntArrayRef sizes) {
  if (sizes.size() <= 1 || per_sample.dim() == 0) return per_sample;
  DimVector shape(per_sample.sizes());
  shape.insert(shape.begin() + 1, 1);
  return per_sample.reshape(shape);
}

// PyTorch's nll_loss_backward: -weight[target] * grad at the target's class, 0 elsewhere and for ignored
// samples; a mean divides by the summed weights of the counted samples. target and weight get none.
GradList nll_loss_backward(const GradContext& ctx) {
  GradList grads(ctx.input_metas.size());
  if (!ctx.needs(0)) return grads;
  const IntArrayRef sizes = ctx.input_sizes(0);
  const int64_t reduction = ctx.call.int_attr(0);
  const ClassIndexTerms c =
      class_index_terms(sizes, ctx.input_dtype(0), ctx.input(1), class_weight(ctx.call), ctx.call.int_attr(1));
  const Tensor gs = class_sample_grad(ctx.grad(0), reduction, reduction == Reduction::Mean ? c.sample_w.sum() : Tensor());
  grads[0] = c.onehot * at_class_dim(gs * c.sample_w * -1.0, sizes);
  return grads;
}

const OpDef nll_def{
    .name = "nll_loss",
    .schema =
        "(Tensor self, Tensor target, Tensor? weight=None, int reduction=Mean, int ignore_index=-100) -> "
        "Tensor",
    .kind = OpKind::Compute,
    .fusion = FusionClass::Opaque,
    .meta = nll_loss_meta,
    .cpu = nll_loss_kernel,
    .backward = {nll_loss_backward, save({1, 2}), kSaveNone}};

// Class probabilities are recognised as PyTorch does: the target has exactly the input's shape.
bool has_probability_target(const Tensor& x, const Tensor& target) { return x.sizes() == target.sizes(); }

void check_label_smoothing(const OpDef& def, double label_smoothing) {
  if (label_smoothing > 0)
    EMBER_CHECK(label_smoothing <= 1.0, "[{}] label_smoothing must be between 0.0 and 1.0. Got: {}", def.name,
                label_smoothing);
}

// The dtype of a probability-target cross entropy: the promotion of input, target and weight.
ScalarType probability_loss_dtype(const Tensor& x, const Tensor& target, const Tensor& weight) {
  return weight.defined() ? detail::result_type({x, target, weight}) : detail::result_type({x, target});
}

void cross_entropy_meta(const OpDef& def, const OpCall& call, MetaOutputs& out) {
  const Tensor& x = call.input(0);
  const Tensor& target = call.input(1);
  const Tensor weight = class_weight(call);
  const double label_smoothing = call.double_attr(2);
  if (!has_probability_target(x, target)) {
    check_label_smoothing(def, label_smoothing);
    const ClassLayout layout = class_index_layout(def, x, target, weight);
    out.push_back({loss_shape(def, call.int_attr(0), layout.sample_shape), {}, 0, x.dtype(), x.device()});
    return;
  }
  EMBER_CHECK(x.dim() >= 1, "[{}] Expected 1 or more dimensions (got {})", def.name, x.dim());
  EMBER_CHECK(is_floating_point(target.dtype()),
              "[{}] Expected floating point type for target with class probabilities, got {}. (A target with the "
              "input's shape holds probabilities; class indices have no class dim.)",
              def.name, to_string(target.dtype()));
  EMBER_CHECK(call.int_attr(1) < 0, "[{}] ignore_index is not supported for floating point target", def.name);
  check_floating(def, x, "input");
  const ClassLayout layout = class_layout(x);
  check_class_weight(def, x, weight, layout.classes, "cross_entropy: ");
  check_label_smoothing(def, label_smoothing);
  out.push_back({loss_shape(def, call.int_attr(0), layout.sample_shape),
                 {},
                 0,
                 probability_loss_dtype(x, target, weight),
                 x.device()});
}

void cross_entropy_kernel(const OpDef& def, const OpCall& call, Outputs& outputs) {
  const double label_smoothing = call.double_attr(2);
  if (!has_probability_target(call.input(0), call.input(1))) {
    run_class_index_loss(def, call, outputs[0], true, label_smoothing);
    return;
  }
  Tensor& out = outputs[0];
  const Tensor weight = class_weight(call);
  const Tensor x = detail::dense(call.input(0), out.dtype());
  const Tensor target = detail::dense(call.input(1), out.dtype());
  const std::vector<double> w = detail::to_doubles(weight);
  const ClassLayout layout = class_layout(x);
  kernels::cpu::ClassProbabilityLoss args;
  args.dtype = out.dtype();
  args.input = x.data_ptr();
  args.target = target.data_ptr();
  args.weight = detail::data_or_null(w, weight);
  args.batch = layout.batch;
  args.classes = layout.classes;
  args.inner = layout.inner;
  args.label_smoothing = label_smoothing;
  args.reduction = kernel_reduction(def, call.int_attr(0));
  args.out = out.data_ptr();
  kernels::cpu::class_probability_loss(args);
}

// cross_entropy_loss is PyTorch's composite of log_softmax and nll_loss (plus the label-smoothing term),
// so its gradient is that composite's: G, the gradient with respect to logp = log_softmax(x), then
// G - softmax(x) * sum_c G. Class-index targets get none; probability targets get -w_c logp (1 - eps) * grad.
GradList cross_entropy_backward(const GradContext& ctx) {
  GradList grads(ctx.input_metas.size());
  const Tensor& x = ctx.input(0);
  const Tensor& target = ctx.input(1);
  const Tensor weight = class_weight(ctx.call);
  const IntArrayRef sizes = x.sizes();
  const int64_t reduction = ctx.call.int_attr(0), cd = class_dim(sizes), classes = x.size(cd);
  const double eps = ctx.call.double_attr(2);
  const Tensor& g = ctx.grad(0);
  DimVector wshape(sizes.size(), 1);
  wshape[size_t(cd)] = classes;
  const Tensor logp = log_softmax(x, cd);
  Tensor glogp;
  if (!has_probability_target(x, target)) {
    const ClassIndexTerms c = class_index_terms(sizes, x.dtype(), target, weight, ctx.call.int_attr(1));
    const Tensor gs = class_sample_grad(g, reduction, reduction == Reduction::Mean ? c.sample_w.sum() : Tensor());
    glogp = c.onehot * at_class_dim(gs * c.sample_w * (eps - 1.0), sizes);
    if (eps > 0) {
      // smooth_loss = -sum_c logp_c w_c per counted sample; a mean divides by the nll's denominator.
      const Tensor gsmooth = at_class_dim(gs * c.valid * (-eps / double(classes)), sizes);
      glogp = glogp + (weight.defined() ? gsmooth * weight.detach().to(x.dtype()).reshape(wshape) : gsmooth);
    }
  } else {
    // -(logp * target' * w).sum(class) per sample; a mean divides by numel / C.
    const Tensor gs =
        at_class_dim(reduction == Reduction::Mean ? g / double(x.numel() / classes) : g, sizes);
    const Tensor gw = weight.defined() ? gs * weight.detach().reshape(wshape) : gs;
    const Tensor smoothed = eps > 0 ? target * (1.0 - eps) + eps / double(classes) : target;
    if (ctx.needs(1)) grads[1] = logp * gw * (eps - 1.0);
    glogp = smoothed * gw * -1.0;
  }
  if (ctx.needs(0)) grads[0] = glogp - exp(logp) * glogp.sum({cd}, true);
  return grads;
}

const OpDef cross_entropy_def{.name = "cross_entropy_loss",
                              .schema =
                                  "(Tensor self, Tensor target, Tensor? weight=None, int reduction=Mean, int "
                                  "ignore_index=-100, float label_smoothing=0.0) -> Tensor",
                              .kind = OpKind::Compute,
                              .fusion = FusionClass::Opaque,
                              .meta = cross_entropy_meta,
                              .cpu = cross_entropy_kernel,
                              .backward = {cross_entropy_backward, kSaveAll, kSaveNone}};

Tensor call_class_loss(const OpDef& def, const Tensor& self, const Tensor& target, const std::optional<Tensor>& weight,
                       SmallVector<Attr, 4> attrs) {
  OpCall call{{self, target}, std::move(attrs)};
  if (detail::given(weight)) call.inputs.push_back(*weight);
  return dispatch_one(def, call);
}

}  // namespace

void register_loss_ops(OpRegistry& r) {
  for (const OpDef* d : {&mse_def, &l1_def, &smooth_l1_def, &bce_def, &bce_logits_def, &nll_def, &cross_entropy_def})
    r.add(d);
}

Tensor mse_loss(const Tensor& self, const Tensor& target, LossReduction reduction) {
  return call_pointwise_loss(mse_def, self, target, reduction);
}

Tensor l1_loss(const Tensor& self, const Tensor& target, LossReduction reduction) {
  return call_pointwise_loss(l1_def, self, target, reduction);
}

Tensor smooth_l1_loss(const Tensor& self, const Tensor& target, LossReduction reduction, double beta) {
  return call_pointwise_loss(smooth_l1_def, self, target, reduction, beta);
}

Tensor binary_cross_entropy(const Tensor& self, const Tensor& target, const std::optional<Tensor>& weight,
                            LossReduction reduction) {
  return call_pointwise_loss(bce_def, self, target, reduction, 1.0, weight);
}

Tensor binary_cross_entropy_with_logits(const Tensor& self, const Tensor& target, const std::optional<Tensor>& weight,
                                        const std::optional<Tensor>& pos_weight, LossReduction reduction) {
  return call_pointwise_loss(bce_logits_def, self, target, reduction, 1.0, weight, pos_weight);
}

Tensor nll_loss(const Tensor& self, const Tensor& target, const std::optional<Tensor>& weight, LossReduction reduction,
                int64_t ignore_index) {
  return call_class_loss(nll_def, self, target, weight, {int64_t(reduction.value()), ignore_index});
}

Tensor cross_entropy(const Tensor& self, const Tensor& target, const std::optional<Tensor>& weight,
                     LossReduction reduction, int64_t ignore_index, double label_smoothing) {
  return call_class_loss(cross_entropy_def, self, target, weight,
                         {int64_t(reduction.value()), ignore_index, label_smoothing});
}

}  // namespace ember
