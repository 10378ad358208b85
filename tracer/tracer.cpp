// Tracing: ops run for real (or through meta rules only, for fake traces) while they are recorded.
#include "tracer/tracer.h"

#include <algorithm>

#include "eager/autograd/grad_mode.h"
#include "eager/meta.h"
#include "jit/logging.h"
#include "kernels/check.h"

namespace ember::jit {

std::string source_str(const std::source_location& where) {
  std::string_view file = where.file_name();
  if (const size_t slash = file.find_last_of('/'); slash != std::string_view::npos) file = file.substr(slash + 1);
  if (file.empty()) return "";
  return std::string(file) + ":" + std::to_string(where.line());
}

namespace {

TensorMeta meta_of(const Tensor& t) {
  return TensorMeta{DimVector(t.sizes()), DimVector(t.strides()), t.storage_offset(), t.dtype(), t.device()};
}

}  // namespace

Tracer* Tracer::active() { return dynamic_cast<Tracer*>(current_dispatch_mode()); }

Tracer::Tracer(const FlatArgs& args, TraceSettings settings) : settings_(std::move(settings)) {
  program_.arg_slots.assign(args.tensors.size(), -1);
  for (size_t i = 0; i < args.tensors.size(); ++i) {
    const Tensor& t = *args.tensors[i];
    if (!t.defined()) continue;
    if (auto it = arg_slot_of_impl_.find(t.unsafeGetTensorImpl()); it != arg_slot_of_impl_.end()) {
      program_.arg_slots[i] = it->second;  // the same tensor passed twice
      continue;
    }
    const std::string name = i < settings_.tensor_names.size() ? settings_.tensor_names[i] : "arg" + std::to_string(i);
    const int slot = new_slot(t, name, -1);
    program_.arg_slots[i] = slot;
    arg_slot_of_impl_[t.unsafeGetTensorImpl()] = slot;
  }
}

int Tracer::new_slot(const Tensor& t, std::string name, int segment) {
  const int slot = int(slots_.size());
  slots_.push_back(SlotInfo{t, std::move(name), segment});
  slot_of_impl_[t.unsafeGetTensorImpl()] = slot;
  return slot;
}

// A tensor the trace has not seen is one the function reached by closure (a parameter, a
// buffer, a constant): it is lifted and held by identity.
int Tracer::slot_for(const Tensor& t) {
  if (auto it = slot_of_impl_.find(t.unsafeGetTensorImpl()); it != slot_of_impl_.end()) return it->second;
  std::string name;
  if (auto it = settings_.lifted_names.find(t.unsafeGetTensorImpl()); it != settings_.lifted_names.end()) name = it->second;
  else name = "lifted_" + std::to_string(lifted_count_++);
  const int slot = new_slot(t, name, -1);
  slots_[size_t(slot)].lifted = true;
  program_.lifted.emplace_back(slot, t);
  program_.lifted_names.push_back(name);
  return slot;
}

Tracer::Open& Tracer::open_segment() {
  if (!open_) {
    open_ = std::make_unique<Open>();
    program_.steps.push_back(Program::Step{true, int(program_.segments.size())});
    program_.segments.emplace_back();  // placeholder; moved in on close
  }
  return *open_;
}

void Tracer::close_segment() {
  if (!open_) return;
  const int index = program_.steps.back().index;
  program_.segments[size_t(index)] = std::move(open_->segment);
  open_.reset();
}

Value Tracer::value_in_segment(int slot) {
  Open& open = open_segment();
  if (auto it = open.values.find(slot); it != open.values.end()) return it->second;
  SlotInfo& info = slots_[size_t(slot)];
  Node* node;
  if (info.lifted) {
    node = open.segment.graph.get_attr(info.name, info.tensor);
  } else {
    node = open.segment.graph.placeholder(info.name, meta_of(info.tensor));
    open.segment.inputs.push_back(slot);
    info.exported = true;
  }
  node->requires_grad = info.tensor.requires_grad();
  open.values[slot] = node->out(0);
  return node->out(0);
}

void Tracer::fail_fullgraph(const std::string& reason, const std::string& source) const {
  EMBER_FAIL("[compile] fullgraph=True, but '{}' has a graph break{}: {}. Remove the break, or compile with "
             "fullgraph=false to run that part eagerly.",
             settings_.function_name, source.empty() ? "" : " at " + source, reason);
}

// A break fails a fake trace (it needs real values) and a fullgraph one (it is not allowed).
GraphBreak Tracer::begin_break(GraphBreak::Kind kind, std::string reason, std::string source) const {
  if (settings_.fake) throw FakeTraceAbort{reason};
  if (settings_.fullgraph) fail_fullgraph(reason, source);
  GraphBreak brk;
  brk.kind = kind;
  brk.reason = std::move(reason);
  brk.source = std::move(source);
  return brk;
}

void Tracer::add_break(GraphBreak brk) {
  close_segment();
  for (int s : brk.inputs) slots_[size_t(s)].exported = true;
  if (log_enabled(LogKind::GraphBreaks))
    log_line(LogKind::GraphBreaks, fmt::format("graph break in '{}'{}: {}", settings_.function_name,
                                               brk.source.empty() ? "" : " at " + brk.source, brk.reason));
  program_.steps.push_back(Program::Step{false, int(program_.breaks.size())});
  program_.breaks.push_back(std::move(brk));
}

Outputs Tracer::run_eagerly(const OpDef& op, OpCall& call) {
  DispatchModeGuard off(nullptr);
  return dispatch_eager(op, call);
}

Outputs Tracer::run_fake(const OpDef& op, OpCall& call) {
  MetaOutputs metas;
  op.meta(op, call, metas);
  Outputs outputs;
  switch (op.kind) {
    case OpKind::View:
      for (const TensorMeta& m : metas)
        outputs.push_back(detail::make_view(call.inputs[0], m.sizes, m.strides, m.storage_offset));
      break;
    case OpKind::InPlace: outputs.push_back(call.inputs[0]); break;
    case OpKind::Compute:
      for (const TensorMeta& m : metas) outputs.push_back(detail::allocate_output(m));
      break;
  }
  return outputs;
}

Outputs Tracer::handle(const OpDef& op, OpCall& call) {
  const bool opaque = op.data_dependent ||
                      std::find(settings_.opaque_ops.begin(), settings_.opaque_ops.end(), &op) != settings_.opaque_ops.end();
  if (opaque) {
    GraphBreak brk = begin_break(
        GraphBreak::Kind::OpaqueOp,
        op.data_dependent ? fmt::format("op '{}' has an output shape that depends on the input values", op.name)
                          : fmt::format("op '{}' is marked opaque to the compiler", op.name),
        "");
    brk.op = &op;
    brk.attrs = call.attrs;
    brk.grad_enabled = GradMode::is_enabled();
    for (const Tensor& t : call.inputs) brk.inputs.push_back(slot_for(t));
    Outputs out = run_eagerly(op, call);
    for (const Tensor& t : out) {
      brk.outputs.push_back(new_slot(t, op_base_name(op), -1));
      brk.output_sizes.emplace_back(t.sizes());
    }
    // Code after a data-dependent op may read its result's size (a count of selected elements) into
    // later ops or branches, so such a function runs its own code on every call.
    if (op.data_dependent) program_.needs_user_code = true;
    add_break(std::move(brk));
    return out;
  }

  Outputs out = settings_.fake ? run_fake(op, call) : run_eagerly(op, call);
  std::vector<Value> inputs;
  inputs.reserve(call.inputs.size());
  for (const Tensor& t : call.inputs) inputs.push_back(value_in_segment(slot_for(t)));
  Open& open = open_segment();
  std::vector<TensorMeta> metas;
  for (const Tensor& t : out) metas.push_back(meta_of(t));
  Node* node = open.segment.graph.call(op, std::move(inputs), call.attrs, std::move(metas));
  node->grad_enabled = GradMode::is_enabled();
  ++open.segment.traced_ops;
  const int segment = program_.steps.back().index;
  for (size_t i = 0; i < out.size(); ++i) {
    const int slot = new_slot(out[i], node->name, segment);
    open.values[slot] = node->out(uint32_t(i));
    slots_[size_t(slot)].produced = node->out(uint32_t(i));
  }
  return out;
}

void Tracer::on_data_read(const Tensor& t, std::string_view what, const std::source_location& where) {
  if (!t.defined() || slot_of_impl_.find(t.unsafeGetTensorImpl()) == slot_of_impl_.end()) return;
  GraphBreak brk = begin_break(GraphBreak::Kind::DataRead, fmt::format("data-dependent {} of a traced tensor", what),
                               source_str(where));
  brk.inputs.push_back(slot_for(t));
  program_.needs_user_code = true;
  add_break(std::move(brk));
}

std::vector<Tensor> Tracer::opaque_call(const std::string& name, const std::shared_ptr<OpaqueFn>& fn,
                                        const std::vector<Tensor>& inputs, const std::string& source) {
  GraphBreak brk = begin_break(GraphBreak::Kind::OpaqueCall, fmt::format("call to jit::opaque function '{}'", name), source);
  brk.call = fn;
  for (const Tensor& t : inputs) brk.inputs.push_back(slot_for(t));
  std::vector<Tensor> out;
  {
    DispatchModeGuard off(nullptr);
    out = (*fn)(inputs);
  }
  for (const Tensor& t : out) {
    EMBER_CHECK(t.defined(), "[jit::opaque] '{}' returned an undefined tensor; return defined tensors only.", name);
    brk.outputs.push_back(new_slot(t, name, -1));
    brk.output_sizes.emplace_back(t.sizes());
  }
  add_break(std::move(brk));
  return out;
}

Program Tracer::finish(const std::vector<Tensor>& results) {
  close_segment();
  for (const Tensor& r : results) {
    EMBER_CHECK(r.defined(), "[compile] '{}' returned an undefined tensor; compiled functions must return defined "
                "tensors.", settings_.function_name);
    // A result that is an argument (returned, or written in place and returned) is that very tensor.
    auto arg = arg_slot_of_impl_.find(r.unsafeGetTensorImpl());
    const int slot = arg != arg_slot_of_impl_.end() ? arg->second : slot_for(r);
    slots_[size_t(slot)].exported = true;
    program_.output_slots.push_back(slot);
  }
  // Each segment returns the values it produces that later steps or the results read.
  for (size_t k = 0; k < program_.segments.size(); ++k) {
    Segment& segment = program_.segments[k];
    std::vector<Value> values;
    for (size_t s = 0; s < slots_.size(); ++s)
      if (slots_[s].segment == int(k) && slots_[s].exported) {
        values.push_back(slots_[s].produced);
        segment.outputs.push_back(int(s));
      }
    segment.graph.output(std::move(values));
  }
  program_.slot_count = int(slots_.size());
  return std::move(program_);
}

}  // namespace ember::jit
