// DataLoader: batches, counts, PyTorch's shuffled orders, worker threads (order, errors, shutdown, persistence).
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "helpers.h"

using namespace ember;
using namespace ember::data;

namespace {

// Targets of every batch of an epoch, as lists of integers.
template <typename Loader>
std::vector<std::vector<int64_t>> epoch_targets(Loader& loader) {
  std::vector<std::vector<int64_t>> out;
  for (auto& batch : loader) out.push_back(batch.target.template to_vector<int64_t>());
  return out;
}

TensorDataset ten_examples() { return TensorDataset(arange(20, kFloat).reshape({10, 2}), arange(10, kLong)); }

// Example i is {[i], i}; get() takes longer for small indices, so later batches tend to finish first, and
// records which threads called it and how often.
struct SlowDataset : Dataset<SlowDataset> {
  explicit SlowDataset(size_t n, int max_delay_ms = 0) : n(n), max_delay_ms(max_delay_ms) {}
  SlowDataset(const SlowDataset& other) : n(other.n), max_delay_ms(other.max_delay_ms), fail_at(other.fail_at) {}

  Example<> get(size_t index) override {
    gets.fetch_add(1);
    {
      std::lock_guard<std::mutex> lock(mutex);
      threads.insert(std::this_thread::get_id());
    }
    if (max_delay_ms > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(max_delay_ms * int(n - index) / int(n)));
    }
    if (fail_at && index == *fail_at) throw Error(fmt::format("example {} is corrupt", index));
    return {full({1}, double(index)), tensor(int64_t(index))};
  }
  std::optional<size_t> size() const override { return n; }

  size_t n;
  int max_delay_ms;
  std::optional<size_t> fail_at;
  std::atomic<size_t> gets{0};
  std::mutex mutex;
  std::set<std::thread::id> threads;
};

}  // namespace

TEST_CASE("DataLoader stacks data and targets of consecutive examples into Example batches") {
  DataLoader loader(ten_examples(), DataLoaderOptions().batch_size(3));
  CHECK(loader.size() == 4);
  std::vector<Example<>> batches;
  for (auto& batch : loader) batches.push_back(batch);
  REQUIRE(batches.size() == 4);
  CHECK(test::shape(batches[0].data) == std::vector<int64_t>{3, 2});
  test::check_exact(batches[0].data, {0, 1, 2, 3, 4, 5});
  test::check_exact(batches[0].target, {0, 1, 2});
  CHECK(batches[0].target.dtype() == kLong);
  test::check_exact(batches[3].data, {18, 19});
  CHECK(test::shape(batches[3].target) == std::vector<int64_t>{1});
}

TEST_CASE("DataLoader with drop_last leaves out the short last batch, and size() counts it so") {
  DataLoader loader(ten_examples(), DataLoaderOptions().batch_size(3).drop_last(true));
  CHECK(loader.size() == 3);
  CHECK(epoch_targets(loader) == std::vector<std::vector<int64_t>>{{0, 1, 2}, {3, 4, 5}, {6, 7, 8}});
  DataLoader exact(ten_examples(), DataLoaderOptions().batch_size(5).drop_last(true));
  CHECK(exact.size() == 2);
  DataLoader one_each(ten_examples());  // PyTorch's default batch_size is 1
  CHECK(one_each.size() == 10);
}

TEST_CASE("DataLoader shuffle with a seeded generator gives PyTorch's batches, epoch after epoch") {
  // PyTorch's iterator draws an int64 base seed from the generator before the sampler's permutation.
  DataLoader loader(ten_examples(), DataLoaderOptions().batch_size(3).shuffle(true).generator(Generator(0)));
  CHECK(epoch_targets(loader) == std::vector<std::vector<int64_t>>{{3, 7, 5}, {2, 0, 8}, {1, 6, 9}, {4}});
  CHECK(epoch_targets(loader) == std::vector<std::vector<int64_t>>{{1, 3, 2}, {7, 5, 9}, {0, 6, 4}, {8}});
  DataLoader other(ten_examples(), DataLoaderOptions().batch_size(3).shuffle(true).generator(Generator(42)));
  CHECK(epoch_targets(other) == std::vector<std::vector<int64_t>>{{6, 5, 4}, {0, 8, 9}, {2, 1, 3}, {7}});
  CHECK(epoch_targets(other) == std::vector<std::vector<int64_t>>{{3, 6, 5}, {8, 9, 4}, {2, 0, 7}, {1}});
}

TEST_CASE("DataLoader shuffle without a generator follows manual_seed as PyTorch's does") {
  manual_seed(5);
  DataLoader loader(ten_examples(), DataLoaderOptions().batch_size(4).shuffle(true).drop_last(true));
  CHECK(epoch_targets(loader) == std::vector<std::vector<int64_t>>{{8, 3, 0, 5}, {9, 1, 6, 2}});
}

TEST_CASE("DataLoader gives the same batches for any num_workers, random transforms included") {
  auto run = [](size_t workers) {
    auto dataset = TensorDataset(arange(24 * 16, kFloat).reshape({24, 1, 4, 4}) / 10, arange(24, kLong))
                       .map(transforms::Compose({transforms::RandomCrop({3}, {1}), transforms::RandomHorizontalFlip(),
                                                 transforms::RandomRotation(20.0)}));
    DataLoader loader(std::move(dataset),
                      DataLoaderOptions().batch_size(5).shuffle(true).num_workers(workers).generator(Generator(9)));
    std::vector<std::vector<double>> out;
    for (int epoch = 0; epoch < 2; ++epoch) {
      for (auto& batch : loader) {
        out.push_back(test::values(batch.data));
        out.push_back(test::values(batch.target));
      }
    }
    return out;
  };
  const auto reference = run(0);
  CHECK(reference.size() == 20);
  CHECK(run(1) == reference);
  CHECK(run(2) == reference);
  CHECK(run(4) == reference);
}

TEST_CASE("DataLoader hands out batches in sampler order even when later batches finish first") {
  DataLoader loader(SlowDataset(12, 20), DataLoaderOptions().batch_size(2).num_workers(4));
  CHECK(epoch_targets(loader) ==
        std::vector<std::vector<int64_t>>{{0, 1}, {2, 3}, {4, 5}, {6, 7}, {8, 9}, {10, 11}});
  CHECK(loader.dataset().threads.size() > 1);
  CHECK(loader.dataset().threads.count(std::this_thread::get_id()) == 0);
}

TEST_CASE("DataLoader loads at most num_workers * prefetch_factor batches ahead") {
  DataLoader loader(SlowDataset(40), DataLoaderOptions().batch_size(2).num_workers(2).prefetch_factor(2));
  auto it = loader.begin();
  test::check_exact(it->target, {0, 1});
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  // The consumed batch plus 2 * 2 in flight, of 2 examples each.
  CHECK(loader.dataset().gets.load() <= 10);
  CHECK(loader.dataset().gets.load() >= 6);
}

TEST_CASE("An error in a worker reaches the consumer as an ember::Error naming the batch") {
  for (size_t workers : {0, 2}) {
    CAPTURE(workers);
    SlowDataset dataset(10);
    dataset.fail_at = 5;
    DataLoader loader(std::move(dataset), DataLoaderOptions().batch_size(2).num_workers(workers));
    std::vector<std::vector<int64_t>> seen;
    std::string message;
    try {
      for (auto& batch : loader) seen.push_back(batch.target.to_vector<int64_t>());
    } catch (const Error& e) {
      message = e.what();
    }
    CHECK(seen == std::vector<std::vector<int64_t>>{{0, 1}, {2, 3}});
    CHECK(test::contains(message, "[DataLoader] caught an error loading batch 2 in "));
    CHECK(test::contains(message, workers ? "worker thread" : "the main thread"));
    CHECK(test::contains(message, "example 5 is corrupt"));
  }
}

TEST_CASE("After a failed batch the epoch goes on with the next one") {
  SlowDataset dataset(6);
  dataset.fail_at = 2;
  DataLoader loader(std::move(dataset), DataLoaderOptions().batch_size(2).num_workers(2));
  auto it = loader.begin();
  test::check_exact(it->target, {0, 1});
  CHECK_THROWS_AS(++it, Error);
  ++it;
  REQUIRE(it != loader.end());
  test::check_exact(it->target, {4, 5});
  ++it;
  CHECK(it == loader.end());
}

TEST_CASE("Destroying a DataLoader mid-epoch joins its workers") {
  size_t gets = 0;
  {
    DataLoader loader(SlowDataset(200, 5), DataLoaderOptions().batch_size(4).num_workers(3));
    auto it = loader.begin();
    test::check_exact(it->target, {0, 1, 2, 3});
    gets = loader.dataset().gets.load();
  }  // must return promptly, without loading the remaining 49 batches
  CHECK(gets <= 4 * (1 + 3 * 2));
}

TEST_CASE("A new epoch started mid-epoch begins again from its first batch") {
  DataLoader loader(SlowDataset(8), DataLoaderOptions().batch_size(2).num_workers(2));
  auto it = loader.begin();
  ++it;
  test::check_exact(it->target, {2, 3});
  CHECK(epoch_targets(loader) == std::vector<std::vector<int64_t>>{{0, 1}, {2, 3}, {4, 5}, {6, 7}});
}

TEST_CASE("persistent_workers keeps the same worker threads across epochs") {
  DataLoader loader(SlowDataset(16, 4), DataLoaderOptions().batch_size(2).num_workers(2).persistent_workers(true));
  for (int epoch = 0; epoch < 3; ++epoch) {
    CHECK(epoch_targets(loader).size() == 8);
  }
  // Every epoch's gets came from the same two threads.
  CHECK(loader.dataset().threads.size() <= 2);
  CHECK(loader.dataset().gets.load() == 48);
}

TEST_CASE("Workers that are not persistent serve every epoch fully") {
  DataLoader loader(SlowDataset(6), DataLoaderOptions().batch_size(4).num_workers(2));
  for (int epoch = 0; epoch < 3; ++epoch) {
    CHECK(epoch_targets(loader) == std::vector<std::vector<int64_t>>{{0, 1, 2, 3}, {4, 5}});
  }
}

TEST_CASE("DataLoader options PyTorch rejects raise ember::Error") {
  auto sequential = std::make_shared<samplers::SequentialSampler>(10);
  CHECK(test::contains(test::error_of([] { DataLoader(ten_examples(), DataLoaderOptions().persistent_workers(true)); }),
                       "persistent_workers option needs num_workers > 0"));
  CHECK(test::contains(test::error_of([&] {
                         DataLoader(ten_examples(), DataLoaderOptions().shuffle(true).sampler(sequential));
                       }),
                       "mutually exclusive with shuffle"));
  CHECK(test::contains(test::error_of([] { DataLoader(ten_examples(), DataLoaderOptions().prefetch_factor(4)); }),
                       "set num_workers > 0"));
  CHECK(test::contains(test::error_of([] { DataLoader(ten_examples(), DataLoaderOptions().batch_size(0)); }),
                       "batch_size=0"));
}

TEST_CASE("DataLoader takes a custom sampler and a custom collate function") {
  struct Reversed : samplers::Sampler {
    std::vector<size_t> indices() override { return {4, 3, 2, 1, 0}; }
    size_t size() const override { return 5; }
  };
  DataLoader loader(ten_examples(), DataLoaderOptions().batch_size(2).sampler(std::make_shared<Reversed>()),
                    [](std::vector<Example<>> examples) {
                      int64_t sum = 0;
                      for (const Example<>& e : examples) sum += e.target.item<int64_t>();
                      return sum;
                    });
  CHECK(loader.size() == 3);
  std::vector<int64_t> sums;
  for (int64_t sum : loader) sums.push_back(sum);
  CHECK(sums == std::vector<int64_t>{7, 3, 0});
}

TEST_CASE("A TensorListDataset batch stacks each of its tensors") {
  TensorListDataset dataset({arange(6, kFloat).reshape({3, 2}), arange(3, kLong), arange(3, kFloat) * 10});
  CHECK(dataset.size() == 3u);
  auto loader = make_data_loader(std::move(dataset), 2);
  std::vector<std::vector<Tensor>> batches;
  for (auto& batch : *loader) batches.push_back(batch);
  REQUIRE(batches.size() == 2);
  REQUIRE(batches[0].size() == 3);
  test::check_exact(batches[0][0], {0, 1, 2, 3});
  test::check_exact(batches[0][1], {0, 1});
  test::check_exact(batches[1][2], {20});
}

TEST_CASE("A data-only TensorDataset batches undefined targets") {
  DataLoader loader(TensorDataset(arange(4, kFloat)), DataLoaderOptions().batch_size(4));
  for (auto& batch : loader) {
    test::check_exact(batch.data, {0, 1, 2, 3});
    CHECK_FALSE(batch.target.defined());
  }
}

TEST_CASE("pin_memory is accepted and changes nothing on the CPU") {
  DataLoader loader(ten_examples(), DataLoaderOptions().batch_size(5).pin_memory(true));
  CHECK(loader.options().pin_memory());
  CHECK(epoch_targets(loader) == std::vector<std::vector<int64_t>>{{0, 1, 2, 3, 4}, {5, 6, 7, 8, 9}});
}
