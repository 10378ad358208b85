// DataLoader: batches a dataset in sampler order, loading ahead on worker threads (torch.utils.data.DataLoader).
#pragma once

#include <any>
#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "eager/data/collate.h"
#include "eager/data/samplers.h"
#include "eager/random.h"

namespace ember::data {

// libtorch-style options: `DataLoaderOptions().batch_size(64).shuffle(true).num_workers(2)`.
class DataLoaderOptions {
 public:
  DataLoaderOptions() = default;
  // Implicit, as in libtorch: make_data_loader(dataset, 64).
  DataLoaderOptions(size_t batch_size) : batch_size_(batch_size) {}

#define EMBER_DATA_OPTION(Type, name, default_value)            \
 public:                                                        \
  DataLoaderOptions& name(Type value) {                         \
    name##_ = std::move(value);                                 \
    return *this;                                               \
  }                                                             \
  const Type& name() const { return name##_; }                  \
                                                                \
 private:                                                       \
  Type name##_ = default_value;

  // Examples per batch.
  EMBER_DATA_OPTION(size_t, batch_size, 1)
  // A RandomSampler (over `generator`) instead of a SequentialSampler; exclusive with `sampler`.
  EMBER_DATA_OPTION(bool, shuffle, false)
  // Drops the last batch when it is smaller than batch_size.
  EMBER_DATA_OPTION(bool, drop_last, false)
  // Worker threads loading batches; 0 loads each batch on the consuming thread when it is asked for.
  EMBER_DATA_OPTION(size_t, num_workers, 0)
  // Batches loaded ahead per worker (num_workers * prefetch_factor in flight at most).
  EMBER_DATA_OPTION(size_t, prefetch_factor, 2)
  // Keeps the worker threads between epochs instead of starting them for each epoch.
  EMBER_DATA_OPTION(bool, persistent_workers, false)
  // Accepted for PyTorch parity; a no-op, as batches live in CPU memory and ember has no CUDA backend yet.
  EMBER_DATA_OPTION(bool, pin_memory, false)
  // Drives shuffling and the per-batch generators of random transforms; the default generator when unset.
  EMBER_DATA_OPTION(std::optional<Generator>, generator, std::nullopt)
  // A custom index order (PyTorch's sampler=); exclusive with shuffle.
  EMBER_DATA_OPTION(std::shared_ptr<samplers::Sampler>, sampler, nullptr)
#undef EMBER_DATA_OPTION
};

namespace detail {

// Raises an ember::Error for options PyTorch rejects (persistent workers without workers, ...).
void check_options(const DataLoaderOptions& options, std::optional<size_t> dataset_size);

// One 64-bit draw from `generator` (the default one when unset): the epoch's base seed, drawn before the
// sampler's permutation exactly as PyTorch's DataLoader iterator draws its _base_seed.
uint64_t draw_base_seed(const std::optional<Generator>& generator);

// While alive, the calling thread's transforms without their own generator draw from a generator seeded with
// `seed`; the DataLoader seeds it with base_seed + batch index, so random augmentations are the same for any
// num_workers.
class BatchGeneratorScope {
 public:
  explicit BatchGeneratorScope(uint64_t seed);
  ~BatchGeneratorScope();
  BatchGeneratorScope(const BatchGeneratorScope&) = delete;
  BatchGeneratorScope& operator=(const BatchGeneratorScope&) = delete;

 private:
  std::optional<Generator> previous_;
};

// `explicit_generator` when given, else the batch generator of a DataLoader batch being loaded on this
// thread, else the default generator.
Generator transform_generator(const std::optional<Generator>& explicit_generator);

// Runs load(i) for the batches of an epoch on worker threads, at most num_workers * prefetch_factor ahead of
// the consumer, and hands the results out in index order. Type-erased (std::any) so the threading lives in
// dataloader.cpp.
class BatchLoader {
 public:
  using Load = std::function<std::any(size_t batch_index)>;

  BatchLoader(size_t num_workers, size_t prefetch_factor, bool persistent_workers);
  ~BatchLoader();  // stops and joins the workers (after the loads in progress finish)
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  // Starts an epoch of num_batches batches; anything a previous, unfinished epoch loaded is dropped.
  void start(size_t num_batches, Load load);
  // The next batch, or std::nullopt after the last. A load that threw is rethrown here as an ember::Error
  // naming the batch; the epoch can go on with the batch after it.
  std::optional<std::any> next();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace detail

// torch.utils.data.DataLoader over a Dataset (anything with get(index), size() and an ExampleType).
// Batches come out in sampler order whichever worker finishes first, so a seed gives the same batches for
// any num_workers. The loader owns its dataset and shares it with its workers (Dataset::get must be safe to
// call concurrently). It cannot be moved, as its workers refer to it; one epoch runs at a time, and begin()
// starts a new one.
template <typename DatasetType, typename Collate = DefaultCollate>
class DataLoader {
 public:
  using ExampleType = typename DatasetType::ExampleType;
  using BatchType = std::invoke_result_t<const Collate&, std::vector<ExampleType>>;

  explicit DataLoader(DatasetType dataset, DataLoaderOptions options = DataLoaderOptions(), Collate collate = {})
      : dataset_(std::move(dataset)), options_(std::move(options)), collate_(std::move(collate)) {
    detail::check_options(options_, dataset_.size());
    const size_t n = *dataset_.size();
    std::shared_ptr<samplers::Sampler> sampler = options_.sampler();
    if (!sampler && options_.shuffle()) {
      sampler = std::make_shared<samplers::RandomSampler>(n, false, std::nullopt, options_.generator());
    } else if (!sampler) {
      sampler = std::make_shared<samplers::SequentialSampler>(n);
    }
    batch_sampler_.emplace(std::move(sampler), options_.batch_size(), options_.drop_last());
    loader_ = std::make_unique<detail::BatchLoader>(options_.num_workers(), options_.prefetch_factor(),
                                                    options_.persistent_workers());
  }
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  // An input iterator over one epoch's batches.
  class Iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = BatchType;
    using difference_type = std::ptrdiff_t;
    using pointer = BatchType*;
    using reference = BatchType&;

    Iterator() = default;
    BatchType& operator*() { return *batch_; }
    BatchType* operator->() { return &*batch_; }
    Iterator& operator++() {
      batch_.reset();
      batch_ = loader_->next_batch();
      return *this;
    }
    // Iterators compare equal when both are past the end (the only comparison a range-for makes).
    bool operator==(const Iterator& other) const { return !batch_ && !other.batch_; }
    bool operator!=(const Iterator& other) const { return !(*this == other); }

   private:
    friend class DataLoader;
    Iterator(DataLoader* loader, std::optional<BatchType> batch) : loader_(loader), batch_(std::move(batch)) {}
    DataLoader* loader_ = nullptr;
    std::optional<BatchType> batch_;
  };

  // Starts an epoch: draws its base seed and sampler order, then loads the first batch.
  Iterator begin() {
    const uint64_t base_seed = detail::draw_base_seed(options_.generator());
    auto batches = std::make_shared<const std::vector<std::vector<size_t>>>(batch_sampler_->batches());
    loader_->start(batches->size(), [this, batches, base_seed](size_t batch_index) -> std::any {
      detail::BatchGeneratorScope scope(base_seed + batch_index);
      const std::vector<size_t>& indices = (*batches)[batch_index];
      std::vector<ExampleType> examples;
      examples.reserve(indices.size());
      for (size_t index : indices) examples.push_back(dataset_.get(index));
      return std::any(collate_(std::move(examples)));
    });
    return Iterator(this, next_batch());
  }
  Iterator end() { return Iterator(); }

  // The number of batches in an epoch (len(loader)).
  size_t size() const { return batch_sampler_->size(); }

  const DataLoaderOptions& options() const { return options_; }
  DatasetType& dataset() { return dataset_; }

 private:
  std::optional<BatchType> next_batch() {
    std::optional<std::any> batch = loader_->next();
    if (!batch) return std::nullopt;
    return std::any_cast<BatchType>(std::move(*batch));
  }

  // Declared first so it is destroyed last: the workers (joined when loader_ goes) read it.
  DatasetType dataset_;
  DataLoaderOptions options_;
  Collate collate_;
  std::optional<samplers::BatchSampler> batch_sampler_;
  std::unique_ptr<detail::BatchLoader> loader_;
};

// libtorch's make_data_loader: a DataLoader on the heap (`for (auto& batch : *loader)`).
template <typename DatasetType, typename Collate = DefaultCollate>
std::unique_ptr<DataLoader<DatasetType, Collate>> make_data_loader(DatasetType dataset,
                                                                   DataLoaderOptions options = DataLoaderOptions(),
                                                                   Collate collate = {}) {
  return std::make_unique<DataLoader<DatasetType, Collate>>(std::move(dataset), std::move(options),
                                                            std::move(collate));
}

}  // namespace ember::data
