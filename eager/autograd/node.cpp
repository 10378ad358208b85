// Node bookkeeping, saved variables and the per-tensor autograd state.
#include "eager/autograd/node.h"

#include <atomic>

#include <fmt/format.h>

#include "eager/autograd/functions.h"
#include "eager/autograd/grad_mode.h"
#include "eager/meta.h"
#include "kernels/check.h"

namespace ember::autograd {

namespace {
std::atomic<uint64_t> g_next_sequence_nr{0};

const OpDef& as_strided_op() {
  static const OpDef* op = OpRegistry::instance().find("as_strided");
  return *op;
}

}  // namespace

void rebuild_view_grad_fn(const Tensor& view, AutogradMetaImpl& m) {
  const Tensor& base = m.base;
  OpCall call;
  call.inputs.push_back(base);
  call.attrs.push_back(DimVector(view.sizes()));
  call.attrs.push_back(DimVector(view.strides()));
  call.attrs.push_back(view.storage_offset());
  auto fn = std::make_shared<OpNode>(as_strided_op(), call);
  fn->add_next_edge(gradient_edge(base));
  fn->save_inputs(call, Tensor());
  fn->add_input_meta(view);
  m.grad_fn = std::move(fn);
  m.output_nr = 0;
  m.requires_grad = true;
  m.attr_version = view.storage()->version();
}

namespace {
// A view whose storage changed since its grad_fn was set, and whose base records history.
bool view_is_stale(const Tensor& view, const AutogradMetaImpl& m) {
  return m.is_view && m.attr_version != view.storage()->version() && m.base.requires_grad();
}
}  // namespace

Node::Node() : sequence_nr_(g_next_sequence_nr.fetch_add(1, std::memory_order_relaxed)) {}

namespace {
thread_local std::vector<std::shared_ptr<Node>> t_release_queue;
thread_local bool t_releasing = false;
}  // namespace

void release_later(std::shared_ptr<Node> node) {
  if (node) t_release_queue.push_back(std::move(node));
}

void release_history_of(Tensor& t) {
  if (!t.defined() || t.use_count() != 1) return;
  if (AutogradMetaImpl* m = meta_of(t)) {
    release_later(std::move(m->grad_fn));
    if (m->base.defined()) release_history_of(m->base);
  }
}

void SavedVariable::release_history() { release_history_of(data_); }

Node::~Node() {
  for (Edge& e : next_edges_) release_later(std::move(e.function));
  if (t_releasing) return;
  t_releasing = true;
  while (!t_release_queue.empty()) {
    std::shared_ptr<Node> next = std::move(t_release_queue.back());
    t_release_queue.pop_back();
    next.reset();  // a node dying here queues its own edges instead of recursing
  }
  t_releasing = false;
}

uint32_t Node::add_input_meta(const Tensor& t) {
  input_metas_.push_back(meta_for(t));
  return uint32_t(input_metas_.size() - 1);
}

TensorMeta meta_for(const Tensor& t) {
  return TensorMeta{DimVector(t.sizes()), DimVector(t.strides()), t.storage_offset(), t.dtype(), t.device()};
}

std::string describe(const Tensor& t) {
  const std::string type = std::string(t.device().is_cuda() ? "CUDA" : "CPU") + std::string(to_string(t.dtype()));
  return fmt::format("[{}Type {}]", type, detail::shape_str(t.sizes()));
}

SavedVariable::SavedVariable(const Tensor& t, bool is_output) : is_output_(is_output) {
  if (!t.defined()) return;
  EMBER_CHECK(!t.is_inference() || InferenceMode::is_enabled(),
              "Inference tensors cannot be saved for backward. To work around you can make a clone to get a normal "
              "tensor and use it in autograd.");
  saved_version_ = t.storage()->version();
  if (is_output) {
    // The same data and geometry without autograd state; unpack() gives it its grad_fn back.
    auto impl = std::make_shared<TensorImpl>(t.storage(), t.dtype(), DimVector(t.sizes()), DimVector(t.strides()),
                                             t.storage_offset());
    impl->set_inference(t.is_inference());
    data_ = Tensor(std::move(impl));
    output_nr_ = t.output_nr();
  } else {
    data_ = t;
    if (const AutogradMetaImpl* m = meta_of(t)) grad_fn_ = m->grad_fn;
  }
}

Tensor SavedVariable::unpack(const Node& saved_for) const {
  EMBER_CHECK(!was_released_,
              "Trying to backward through the graph a second time (or directly access saved tensors after they have "
              "already been freed). Saved intermediate values of the graph are freed when you call backward() or "
              "autograd::grad(). Specify retain_graph=true if you need to backward through the graph a second time "
              "or if you need to access saved tensors after calling backward.");
  if (!data_.defined()) return Tensor();
  const uint32_t current = data_.storage()->version();
  if (current != saved_version_) {
    std::string producer;
    if (is_output_) {
      producer = fmt::format(", which is output {} of {},", output_nr_, saved_for.name());
    } else if (auto fn = grad_fn_.lock()) {
      producer = fmt::format(", which is output {} of {},", data_.output_nr(), fn->name());
    }
    EMBER_FAIL(
        "one of the variables needed for gradient computation has been modified by an inplace operation: {}{} is at "
        "version {}; expected version {} instead. It was saved by {}. Hint: clone() the tensor before modifying it "
        "in place, or use the out-of-place op.",
        describe(data_), producer, current, saved_version_, saved_for.name());
  }
  if (!is_output_ || !is_floating_point(data_.dtype())) return data_;  // integer outputs have no history
  // Reattach the output to the node that saved it, so that create_graph differentiates through it.
  auto impl = std::make_shared<TensorImpl>(data_.storage(), data_.dtype(), DimVector(data_.sizes()),
                                           DimVector(data_.strides()), data_.storage_offset());
  impl->set_inference(data_.is_inference());
  Tensor out(std::move(impl));
  auto self = const_cast<Node&>(saved_for).shared_from_this();
  set_history(out, self, output_nr_);
  return out;
}

AutogradMetaImpl* meta_of(const Tensor& t) { return static_cast<AutogradMetaImpl*>(t.unsafeGetTensorImpl()->autograd_meta()); }

AutogradMetaImpl& materialize_meta(const Tensor& t) {
  TensorImpl& impl = *t.unsafeGetTensorImpl();
  if (impl.autograd_meta() == nullptr) impl.set_autograd_meta(std::make_unique<AutogradMetaImpl>());
  return *static_cast<AutogradMetaImpl*>(impl.autograd_meta());
}

bool AutogradMetaImpl::base_requires_grad(const TensorImpl& self) const {
  return attr_version != self.storage()->version() && base.requires_grad();
}

const std::shared_ptr<Node>& current_grad_fn(const Tensor& t) {
  static const std::shared_ptr<Node> none;
  AutogradMetaImpl* m = meta_of(t);
  if (m == nullptr) return none;
  if (view_is_stale(t, *m)) rebuild_view_grad_fn(t, *m);
  return m->grad_fn;
}

Edge gradient_edge(const Tensor& t) {
  AutogradMetaImpl* m = meta_of(t);
  if (m == nullptr) return {};
  if (const auto& fn = current_grad_fn(t)) return Edge{fn, m->output_nr};
  if (m->requires_grad) return Edge{grad_accumulator(t), 0};
  return {};
}

std::shared_ptr<Node> grad_accumulator(const Tensor& leaf) {
  AutogradMetaImpl& m = materialize_meta(leaf);
  if (auto existing = m.grad_accumulator.lock()) return existing;
  auto acc = std::make_shared<AccumulateGrad>(leaf);
  m.grad_accumulator = acc;
  return acc;
}

void set_history(const Tensor& t, const std::shared_ptr<Node>& fn, uint32_t output_nr) {
  AutogradMetaImpl& m = materialize_meta(t);
  m.grad_fn = fn;
  m.output_nr = output_nr;
  m.requires_grad = true;
  if (m.is_view) m.attr_version = t.storage()->version();
}

}  // namespace ember::autograd
