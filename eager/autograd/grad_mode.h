// Thread-local grad modes with libtorch's names: GradMode, AutoGradMode, NoGradGuard, InferenceMode.
#pragma once

namespace ember {

struct GradMode {
  static bool is_enabled();
  static void set_enabled(bool enabled);
};

// Sets grad mode for the guard's lifetime, restoring the previous mode after.
class AutoGradMode {
 public:
  explicit AutoGradMode(bool enabled) : previous_(GradMode::is_enabled()) { GradMode::set_enabled(enabled); }
  ~AutoGradMode() { GradMode::set_enabled(previous_); }
  AutoGradMode(const AutoGradMode&) = delete;
  AutoGradMode& operator=(const AutoGradMode&) = delete;

 private:
  bool previous_;
};

// Disables recording for its lifetime (torch.no_grad()).
class NoGradGuard : public AutoGradMode {
 public:
  NoGradGuard() : AutoGradMode(false) {}
};

// Inference mode: no recording, no view or version tracking; tensors created inside
// are inference tensors, which autograd refuses to save later.
class InferenceMode {
 public:
  explicit InferenceMode(bool enabled = true);
  ~InferenceMode();
  InferenceMode(const InferenceMode&) = delete;
  InferenceMode& operator=(const InferenceMode&) = delete;
  static bool is_enabled();

 private:
  bool previous_inference_;
  bool previous_grad_;
};

inline bool is_grad_enabled() { return GradMode::is_enabled(); }
inline void set_grad_enabled(bool enabled) { GradMode::set_enabled(enabled); }
inline bool is_inference_mode_enabled() { return InferenceMode::is_enabled(); }

}  // namespace ember
