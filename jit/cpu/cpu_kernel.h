// compile_kernel: a KernelIR compiled to x86 code for one ISA, run over KernelArgs on ember's thread pool.
#pragma once

#include <cstdint>
#include <memory>

#include "jit/cpu/isa.h"
#include "jit/kernel_ir.h"

namespace ember::jit::cpu {

namespace detail {
struct CompiledKernel;
}

// A compiled kernel. Each row (one outer index) runs through generated code: when every buffer's last dim is
// Contiguous or Broadcast (and no buffer is int64), full vectors of the ISA's width, then one element at a time
// for the rest; otherwise one element at a time with runtime strides. Every element goes through the same
// lane-wise instructions, so results do not depend on how rows and columns are split over threads. Reductions keep
// one vector accumulator and one element-wise accumulator per row, combined across lanes at the row's end.
class CpuKernel {
 public:
  CpuKernel() = default;

  // Checks `args` against the kernel (buffer count, rank, strides matching their stride classes) and runs rows
  // [args.begin, args.end) split over `threads` threads (0: ember's get_num_threads()); the split also cuts long
  // rows into chunks so rank-1 kernels use every thread, except in kernels with reductions, which run each row
  // whole (in phases: one pass over the row per phase) so that a row's result does not depend on the split.
  void run(const KernelArgs& args, int threads = 0) const;

  Isa isa() const;
  bool vectorized() const;
  const KernelIR& ir() const;
  bool valid() const { return impl_ != nullptr; }

 private:
  friend CpuKernel compile_kernel(const KernelIR& ir, Isa isa);
  std::shared_ptr<const detail::CompiledKernel> impl_;
};

// Compiles `ir` for `isa`, or returns the kernel compiled earlier for an equal structure and ISA (cached for the
// life of the process). Raises ember::Error for an ISA this CPU lacks or an unsupported construct.
// EMBER_LOGS=output_code logs the kernel's IR and assembly when it is compiled.
CpuKernel compile_kernel(const KernelIR& ir, Isa isa);

// How many kernels compile_kernel has compiled (cache misses) in this process.
int64_t compiled_kernel_count();

}  // namespace ember::jit::cpu
