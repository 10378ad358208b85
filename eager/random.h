// Generator: seeded random state (manual_seed, seed, initial_seed, get_state/set_state) and the default generator.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>

namespace ember {

class Tensor;
struct GeneratorImpl;

// A handle: copies share one state, as torch.Generator objects do.
class Generator {
 public:
  // A fresh CPU generator seeded with `seed` (PyTorch's default seed is 67280421310721).
  explicit Generator(uint64_t seed = 67280421310721ULL);

  void set_current_seed(uint64_t seed);
  Generator& manual_seed(uint64_t seed) { set_current_seed(seed); return *this; }
  // Reseeds from a non-deterministic source and returns the new seed.
  uint64_t seed();
  uint64_t initial_seed() const;
  uint64_t current_seed() const { return initial_seed(); }
  // The whole state as a uint8 tensor; set_state restores it (a malformed state raises).
  Tensor get_state() const;
  void set_state(const Tensor& state);

  // Raw draws (callers lock mutex() around a batch of draws).
  uint32_t random();
  uint64_t random64();
  std::mutex& mutex() const;
  GeneratorImpl* impl() const { return impl_.get(); }

 private:
  std::shared_ptr<GeneratorImpl> impl_;
};

// The process-wide default CPU generator used when an op gets no generator.
Generator& default_generator();
// Seeds the default generator (torch::manual_seed).
void manual_seed(uint64_t seed);
uint64_t initial_seed();
uint64_t seed();

}  // namespace ember
