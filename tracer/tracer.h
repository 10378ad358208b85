// The tracer: a dispatch mode that records the ops a function performs into graph segments.
#pragma once

#include <source_location>
#include <string>
#include <unordered_map>
#include <vector>

#include "jit/program.h"

namespace ember::jit {

struct TraceSettings {
  // Fake tracing records ops through their meta rules only, on tensors whose data is never
  // read (dynamic-dim discovery traces with sentinel sizes); any break aborts it.
  bool fake = false;
  bool fullgraph = false;
  std::string function_name;
  std::vector<std::string> tensor_names;  // per flat tensor argument
  std::unordered_map<const TensorImpl*, std::string> lifted_names;  // parameters and buffers of a module
  // Registry ops treated as graph breaks on top of those whose output shape depends on data.
  std::vector<const OpDef*> opaque_ops;
};

// Thrown inside a fake trace when it meets something only real data can answer.
struct FakeTraceAbort {
  std::string reason;
};

class Tracer final : public DispatchMode {
 public:
  Tracer(const FlatArgs& args, TraceSettings settings);
  Outputs handle(const OpDef& op, OpCall& call) override;
  void on_data_read(const Tensor& t, std::string_view what, const std::source_location& where) override;
  // A jit::opaque callable: runs `fn` eagerly as a graph break.
  std::vector<Tensor> opaque_call(const std::string& name, const std::shared_ptr<OpaqueFn>& fn,
                                  const std::vector<Tensor>& inputs, const std::string& source);
  // Closes the trace: the function returned `results`.
  Program finish(const std::vector<Tensor>& results);

  const TraceSettings& settings() const { return settings_; }
  // The tracer installed on this thread, if any.
  static Tracer* active();

 private:
  struct SlotInfo {
    Tensor tensor;
    std::string name;
    int segment = -1;  // producing segment; -1 for arguments, lifted tensors and break outputs
    bool lifted = false;
    bool exported = false;
    Value produced;  // the node output that made it, for slots a segment produced
  };
  struct Open {
    Segment segment;
    std::unordered_map<int, Value> values;
  };

  int new_slot(const Tensor& t, std::string name, int segment);
  int slot_for(const Tensor& t);
  Value value_in_segment(int slot);
  Open& open_segment();
  void close_segment();
  GraphBreak begin_break(GraphBreak::Kind kind, std::string reason, std::string source) const;
  void add_break(GraphBreak brk);
  [[noreturn]] void fail_fullgraph(const std::string& reason, const std::string& source) const;
  Outputs run_eagerly(const OpDef& op, OpCall& call);
  Outputs run_fake(const OpDef& op, OpCall& call);

  TraceSettings settings_;
  Program program_;
  std::vector<SlotInfo> slots_;
  std::unordered_map<const TensorImpl*, int> slot_of_impl_;
  std::unordered_map<const TensorImpl*, int> arg_slot_of_impl_;
  std::unique_ptr<Open> open_;
  int lifted_count_ = 0;
};

// "file.cpp:42" for a source location (file name without directories).
std::string source_str(const std::source_location& where);

}  // namespace ember::jit
