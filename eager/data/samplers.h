// Samplers: the order in which a DataLoader visits a dataset (sequential, random with a Generator, batched).
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

#include "eager/random.h"

namespace ember::data::samplers {

// PyTorch's Sampler: each call of indices() is one epoch (iter(sampler)), size() is len(sampler).
class Sampler {
 public:
  virtual ~Sampler() = default;
  virtual std::vector<size_t> indices() = 0;
  virtual size_t size() const = 0;
};

// 0, 1, ..., n - 1 every epoch.
class SequentialSampler : public Sampler {
 public:
  explicit SequentialSampler(size_t n) : n_(n) {}
  std::vector<size_t> indices() override;
  size_t size() const override { return n_; }

 private:
  size_t n_;
};

// PyTorch's RandomSampler: without replacement, whole randperm(n) permutations (num_samples / n of them, then
// the first num_samples % n of one more); with replacement, randint(0, n) draws in chunks of 32. Each epoch
// continues the generator, so a Generator(seed) gives PyTorch's orders for
// RandomSampler(..., generator=torch.Generator().manual_seed(seed)). Without a generator each epoch seeds a
// fresh one from the default generator, as PyTorch does.
class RandomSampler : public Sampler {
 public:
  explicit RandomSampler(size_t n, bool replacement = false, std::optional<size_t> num_samples = std::nullopt,
                         std::optional<Generator> generator = std::nullopt);
  std::vector<size_t> indices() override;
  size_t size() const override { return num_samples_; }

  bool replacement() const { return replacement_; }
  const std::optional<Generator>& generator() const { return generator_; }

 private:
  size_t n_;
  bool replacement_;
  size_t num_samples_;
  std::optional<Generator> generator_;
};

// PyTorch's BatchSampler: groups an epoch of `sampler` into lists of batch_size indices; the last, shorter
// one is dropped when drop_last is set.
class BatchSampler {
 public:
  BatchSampler(std::shared_ptr<Sampler> sampler, size_t batch_size, bool drop_last);
  std::vector<std::vector<size_t>> batches();
  // The number of batches in an epoch.
  size_t size() const;

  const std::shared_ptr<Sampler>& sampler() const { return sampler_; }
  size_t batch_size() const { return batch_size_; }
  bool drop_last() const { return drop_last_; }

 private:
  std::shared_ptr<Sampler> sampler_;
  size_t batch_size_;
  bool drop_last_;
};

}  // namespace ember::data::samplers
