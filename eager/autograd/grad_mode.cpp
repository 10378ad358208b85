// The thread-local flags behind the grad-mode guards.
#include "eager/autograd/grad_mode.h"

namespace ember {

namespace {
thread_local bool tls_grad_enabled = true;
thread_local bool tls_inference = false;
}  // namespace

bool GradMode::is_enabled() { return tls_grad_enabled; }
void GradMode::set_enabled(bool enabled) { tls_grad_enabled = enabled; }

InferenceMode::InferenceMode(bool enabled) : previous_inference_(tls_inference), previous_grad_(tls_grad_enabled) {
  tls_inference = enabled;
  tls_grad_enabled = !enabled;  // as c10::InferenceMode: grad mode is the opposite of inference mode
}

InferenceMode::~InferenceMode() {
  tls_inference = previous_inference_;
  tls_grad_enabled = previous_grad_;
}

bool InferenceMode::is_enabled() { return tls_inference; }

}  // namespace ember
