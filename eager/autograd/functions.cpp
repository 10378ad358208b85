// OpNode, AccumulateGrad, CopySlices: the nodes autograd records, and gradient reduction to an input's shape.
#include "eager/autograd/functions.h"

#include <cctype>
#include <map>
#include <mutex>

#include <fmt/format.h>

#include "eager/autograd/grad_mode.h"
#include "eager/meta.h"
#include "eager/ops.h"
#include "kernels/check.h"

namespace ember::autograd {

// ---- gradient shapes ----

Tensor sum_to(const Tensor& grad, IntArrayRef sizes) {
  if (grad.sizes() == sizes) return grad;
  const int64_t lead = grad.dim() - int64_t(sizes.size());
  DimVector dims;
  for (int64_t d = 0; d < grad.dim(); ++d)
    if (d < lead || (sizes[size_t(d - lead)] == 1 && grad.size(d) != 1)) dims.push_back(d);
  Tensor reduced = dims.empty() ? grad : sum(grad, dims, /*keepdim=*/true);
  return reduced.reshape(sizes);
}

namespace {
bool expandable_to(IntArrayRef from, IntArrayRef to) {
  if (from.size() > to.size()) return false;
  const size_t lead = to.size() - from.size();
  for (size_t d = 0; d < from.size(); ++d)
    if (from[d] != to[lead + d] && from[d] != 1) return false;
  return true;
}
}  // namespace

Tensor fit_gradient(const Tensor& grad, const TensorMeta& meta, const std::string& node, size_t index) {
  Tensor g = grad;
  if (g.sizes() != IntArrayRef(meta.sizes)) {
    EMBER_CHECK(expandable_to(meta.sizes, g.sizes()),
                "Function {} returned an invalid gradient at index {} - got {} but expected shape compatible with {}",
                node, index, detail::shape_str(g.sizes()), detail::shape_str(meta.sizes));
    g = sum_to(g, meta.sizes);
  }
  EMBER_CHECK(g.device() == meta.device,
              "Function {} returned an invalid gradient at index {} - expected device {} but got {}", node, index,
              meta.device.str(), g.device().str());
  if (g.dtype() != meta.dtype && is_floating_point(meta.dtype)) g = g.to(meta.dtype);
  return g;
}

// ---- names ----

std::string backward_name(const OpDef& op) {
  static std::mutex mutex;
  static std::map<const OpDef*, std::string> names;
  std::lock_guard<std::mutex> lock(mutex);
  if (names.empty()) {
    // PyTorch numbers the overloads of one name in derivatives.yaml order; the
    // registry's order gives the same numbers except for the overloads below. A C++
    // scalar operand is wrapped into a tensor by PyTorch (x * 2 is MulBackward0).
    static const std::map<std::string_view, int> overrides = {
        {"sum.dim_IntList", 1}, {"mean.dim", 1},   {"prod.dim_int", 1},      {"max", 1},     {"min", 1},
        {"max.dim", 0},         {"min.dim", 0},    {"pow.Tensor_Scalar", 0}, {"pow.Tensor", 1}, {"pow.Scalar", 2},
        {"clamp", 1},           {"clamp.Tensor", 0}, {"add.Scalar", 0}, {"sub.Scalar", 0}, {"mul.Scalar", 0},
        {"div.Scalar", 0},      {"pow_.Scalar", 0},  // x.pow_(2.0) is pow_.Tensor_Scalar in PyTorch
        {"fill_.Scalar", 2},    {"sort.stable", 1},  {"norm.ScalarOpt_dim_dtype", 1}};
    // Nodes PyTorch names outside the derivatives.yaml scheme.
    static const std::map<std::string_view, std::string_view> special = {{"copy_", "torch::autograd::CopyBackwards"}};
    std::map<std::string, int> next_index;
    std::map<std::string, int> out_of_place_index;
    for (const OpDef* def : OpRegistry::instance().all()) {
      const std::string full(def->name);
      const size_t dot = full.find('.');
      std::string base = full.substr(0, dot);
      const std::string overload = dot == std::string::npos ? "" : full.substr(dot);
      const bool inplace = base.size() > 1 && base.back() == '_';
      if (inplace) base.pop_back();
      int index;
      if (auto exact = overrides.find(full); exact != overrides.end()) {
        index = exact->second;
      } else if (auto it = overrides.find(base + overload); it != overrides.end()) {
        index = it->second;
      } else if (auto same = out_of_place_index.find(base + overload); inplace && same != out_of_place_index.end()) {
        index = same->second;
      } else {
        index = next_index[base]++;
      }
      if (!inplace) out_of_place_index[base + overload] = index;
      std::string camel;
      bool upper = true;
      for (char c : base) {
        if (c == '_') {
          upper = true;
          continue;
        }
        camel += upper ? char(std::toupper(static_cast<unsigned char>(c))) : c;
        upper = std::isdigit(static_cast<unsigned char>(c)) != 0;  // Python's str.title(): "pool2d" -> "Pool2D"
      }
      if (auto it = special.find(def->name); it != special.end())
        names[def] = std::string(it->second);
      else
        names[def] = fmt::format("{}Backward{}", camel, index);
    }
  }
  auto it = names.find(&op);
  return it == names.end() ? std::string(op.name) + "Backward" : it->second;
}

// ---- OpNode ----

OpNode::OpNode(const OpDef& op, const OpCall& call) : op_(op), attrs_(call.attrs) {
  for (const Tensor& t : call.inputs) forward_input_metas_.push_back(meta_for(t));
}

OpNode::~OpNode() {
  for (SavedVariable& s : saved_inputs_) s.release_history();
}

std::string OpNode::name() const { return backward_name(op_); }

void OpNode::save_inputs(const OpCall& call, const Tensor& original_self) {
  saved_inputs_.resize(call.inputs.size());
  for (size_t i = 0; i < call.inputs.size(); ++i) {
    if (i >= 32 || !((op_.backward.saves_inputs >> i) & 1)) continue;
    const bool pre_write_self = i == 0 && op_.kind == OpKind::InPlace;
    const bool writes_this = op_.kind == OpKind::InPlace && i > 0 && call.inputs[i].is_alias_of(call.inputs[0]);
    // The written tensor itself (x.mul_(x)) is kept like an output, without its grad_fn:
    // this node is that grad_fn now, and a strong reference would be a cycle.
    const bool is_target = writes_this && call.inputs[i].is_same(call.inputs[0]);
    saved_inputs_[i] = SavedVariable(pre_write_self ? original_self : call.inputs[i], /*is_output=*/is_target);
    // An input aliasing the self an in-place op just wrote was saved after the write;
    // as in PyTorch, using it in backward is an error, so expect the version before it.
    if (writes_this) saved_inputs_[i].set_expected_version(call.inputs[i]._version() - 1);
  }
}

void OpNode::save_outputs(const Outputs& outputs) {
  saved_outputs_.resize(outputs.size());
  for (size_t i = 0; i < outputs.size() && i < 32; ++i)
    if ((op_.backward.saves_outputs >> i) & 1) saved_outputs_[i] = SavedVariable(outputs[i], /*is_output=*/true);
}

void OpNode::release_variables() {
  for (auto& s : saved_inputs_)
    if (s.defined()) s.reset();
  for (auto& s : saved_outputs_)
    if (s.defined()) s.reset();
}

variable_list OpNode::apply(variable_list&& grads) {
  variable_list result(num_outputs());
  bool any = false;
  for (const Tensor& g : grads) any = any || g.defined();
  if (!any) return result;

  OpCall call;
  call.attrs = attrs_;
  for (const SavedVariable& s : saved_inputs_) call.inputs.push_back(s.unpack(*this));
  Outputs outputs;
  for (const SavedVariable& s : saved_outputs_) outputs.push_back(s.unpack(*this));
  while (outputs.size() < num_inputs()) outputs.emplace_back();
  Outputs grad_outputs;
  for (size_t i = 0; i < grads.size(); ++i) {
    const TensorMeta& m = input_meta(i);
    if (!grads[i].defined() && is_floating_point(m.dtype))
      grad_outputs.push_back(zeros(m.sizes, TensorOptions(m.dtype).device(m.device)));
    else
      grad_outputs.push_back(std::move(grads[i]));
  }
  uint64_t mask = 0;
  for (size_t i = 0; i < next_edges_.size(); ++i)
    if (next_edges_[i].is_valid()) mask |= uint64_t(1) << i;

  const GradContext ctx{op_, call, outputs, grad_outputs, forward_input_metas_, mask};
  GradList grad_inputs = op_.backward.formula(ctx);
  EMBER_CHECK(grad_inputs.size() == forward_input_metas_.size(),
              "[{}] backward formula returned {} gradients for {} inputs; it must return one per input.", op_.name,
              grad_inputs.size(), forward_input_metas_.size());
  const std::string node_name = name();
  for (size_t i = 0; i < grad_inputs.size(); ++i)
    if (ctx.needs(i) && grad_inputs[i].defined())
      result[i] = fit_gradient(grad_inputs[i], forward_input_metas_[i], node_name, i);
  return result;
}

// ---- AccumulateGrad ----

AccumulateGrad::AccumulateGrad(Tensor variable) : variable_(std::move(variable)) { add_input_meta(variable_); }

variable_list AccumulateGrad::apply(variable_list&& grads) {
  Tensor g = std::move(grads[0]);
  grads.clear();
  if (!g.defined()) return {};
  AutogradMetaImpl& m = materialize_meta(variable_);
  if (GradMode::is_enabled()) {
    // create_graph: the accumulated gradient keeps its history.
    m.grad = m.grad.defined() ? m.grad + g : g;
  } else if (!m.grad.defined()) {
    // Take the gradient over when nobody else can see it; copy it otherwise.
    const bool sole_owner = g.use_count() == 1 && g.storage().use_count() == 1 && !g.requires_grad();
    m.grad = sole_owner && g.is_contiguous() ? g : g.clone();
  } else if (m.grad.requires_grad()) {
    m.grad = m.grad + g;
  } else {
    m.grad.add_(g);
  }
  return {};
}

std::vector<HookEntry>& AccumulateGrad::tensor_hooks() { return materialize_meta(variable_).leaf_hooks; }

// ---- CopySlices ----

CopySlices::CopySlices(const Tensor& base, const Tensor& view, std::shared_ptr<Node> fn)
    : base_(meta_for(base)), view_(meta_for(view)), fn_(std::move(fn)) {
  add_next_edge(gradient_edge(base));
  for (size_t i = 1; i < fn_->num_outputs(); ++i) add_next_edge(fn_->next_edge(i));
  add_input_meta(base);
}

variable_list CopySlices::apply(variable_list&& grads) {
  variable_list result(num_outputs());
  if (!grads[0].defined()) return result;
  Tensor whole = empty_strided(base_.sizes, base_.strides, TensorOptions(base_.dtype).device(base_.device));
  whole.copy_(grads[0]);
  Tensor region = whole.as_strided(view_.sizes, view_.strides, view_.storage_offset - base_.storage_offset);
  variable_list region_grads = fn_->apply({region.clone()});
  if (region_grads[0].defined())
    region.copy_(region_grads[0]);
  else
    region.zero_();
  result[0] = whole;
  for (size_t i = 1; i < region_grads.size(); ++i) result[i] = std::move(region_grads[i]);
  return result;
}

variable_list NotImplementedNode::apply(variable_list&&) {
  EMBER_FAIL("the derivative for '{}' is not implemented. Compute this part under NoGradGuard, or detach() its inputs.",
             op_);
}

}  // namespace ember::autograd
