// Sampler orders: RandomSampler draws exactly what PyTorch's RandomSampler draws from its generator.
#include "eager/data/samplers.h"

#include <limits>
#include <mutex>

#include "eager/ops.h"
#include "eager/tensor.h"
#include "kernels/check.h"

namespace ember::data::samplers {

namespace {

void append(std::vector<size_t>& out, const Tensor& values, size_t count) {
  std::vector<int64_t> v = values.to_vector<int64_t>();
  for (size_t i = 0; i < count && i < v.size(); ++i) out.push_back(size_t(v[i]));
}

// int(torch.empty((), dtype=torch.int64).random_().item()): one 64-bit draw reduced to [0, 2^63).
uint64_t draw_seed(Generator& generator) {
  std::lock_guard<std::mutex> lock(generator.mutex());
  return generator.random64() % (uint64_t(std::numeric_limits<int64_t>::max()) + 1);
}

}  // namespace

std::vector<size_t> SequentialSampler::indices() {
  std::vector<size_t> out(n_);
  for (size_t i = 0; i < n_; ++i) out[i] = i;
  return out;
}

RandomSampler::RandomSampler(size_t n, bool replacement, std::optional<size_t> num_samples,
                             std::optional<Generator> generator)
    : n_(n), replacement_(replacement), num_samples_(num_samples.value_or(n)), generator_(std::move(generator)) {
  EMBER_CHECK(num_samples_ > 0, "[RandomSampler] num_samples should be a positive integer value, but got "
              "num_samples={} (a dataset of {} examples); pass a non-empty dataset or num_samples >= 1",
              num_samples_, n_);
  EMBER_CHECK(n_ > 0, "[RandomSampler] cannot sample from an empty dataset (n=0)");
}

std::vector<size_t> RandomSampler::indices() {
  Generator generator = generator_ ? *generator_ : Generator(draw_seed(default_generator()));
  const int64_t n = int64_t(n_);
  std::vector<size_t> out;
  out.reserve(num_samples_);
  if (replacement_) {
    // PyTorch draws in chunks of 32; each value takes one draw, so only the total matters, but the
    // chunks keep the trailing (possibly empty) draw identical.
    for (size_t chunk = 0; chunk < num_samples_ / 32; ++chunk) {
      append(out, randint(0, n, {32}, generator, kLong), 32);
    }
    const size_t rest = num_samples_ % 32;
    append(out, randint(0, n, {int64_t(rest)}, generator, kLong), rest);
  } else {
    for (size_t round = 0; round < num_samples_ / n_; ++round) append(out, randperm(n, generator, kLong), n_);
    // PyTorch draws this last permutation even when it keeps none of it; the generator must advance alike.
    append(out, randperm(n, generator, kLong), num_samples_ % n_);
  }
  return out;
}

BatchSampler::BatchSampler(std::shared_ptr<Sampler> sampler, size_t batch_size, bool drop_last)
    : sampler_(std::move(sampler)), batch_size_(batch_size), drop_last_(drop_last) {
  EMBER_CHECK(sampler_ != nullptr, "[BatchSampler] expected a sampler, got a null pointer");
  EMBER_CHECK(batch_size_ > 0, "[BatchSampler] batch_size should be a positive integer value, but got "
              "batch_size={}", batch_size_);
}

std::vector<std::vector<size_t>> BatchSampler::batches() {
  std::vector<size_t> indices = sampler_->indices();
  std::vector<std::vector<size_t>> out;
  out.reserve(indices.size() / batch_size_ + 1);
  for (size_t start = 0; start < indices.size(); start += batch_size_) {
    const size_t end = std::min(indices.size(), start + batch_size_);
    if (drop_last_ && end - start < batch_size_) break;
    out.emplace_back(indices.begin() + std::ptrdiff_t(start), indices.begin() + std::ptrdiff_t(end));
  }
  return out;
}

size_t BatchSampler::size() const {
  const size_t n = sampler_->size();
  return drop_last_ ? n / batch_size_ : (n + batch_size_ - 1) / batch_size_;
}

}  // namespace ember::data::samplers
