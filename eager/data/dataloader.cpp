// The DataLoader's worker threads: ordered, bounded prefetching with errors carried to the consumer.
#include "eager/data/dataloader.h"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <limits>
#include <map>
#include <mutex>
#include <thread>

#include "kernels/check.h"

namespace ember::data::detail {

void check_options(const DataLoaderOptions& options, std::optional<size_t> dataset_size) {
  EMBER_CHECK(dataset_size.has_value(), "[DataLoader] the dataset has no size (size() returned nullopt); a "
              "DataLoader needs a dataset of known size");
  EMBER_CHECK(options.batch_size() > 0, "[DataLoader] batch_size should be a positive integer value, but got "
              "batch_size=0");
  EMBER_CHECK(!(options.sampler() && options.shuffle()), "[DataLoader] sampler option is mutually exclusive with "
              "shuffle; drop shuffle(true) or the sampler");
  EMBER_CHECK(!(options.persistent_workers() && options.num_workers() == 0), "[DataLoader] persistent_workers "
              "option needs num_workers > 0");
  EMBER_CHECK(options.num_workers() > 0 || options.prefetch_factor() == 2, "[DataLoader] prefetch_factor option "
              "could only be specified with worker threads; set num_workers > 0 (got prefetch_factor={})",
              options.prefetch_factor());
  EMBER_CHECK(options.prefetch_factor() > 0, "[DataLoader] prefetch_factor should be a positive integer value, "
              "but got prefetch_factor=0");
}

uint64_t draw_base_seed(const std::optional<Generator>& generator) {
  Generator g = generator ? *generator : default_generator();
  std::lock_guard<std::mutex> lock(g.mutex());
  return g.random64() % (uint64_t(std::numeric_limits<int64_t>::max()) + 1);
}

namespace {
thread_local std::optional<Generator> tls_batch_generator;
}  // namespace

BatchGeneratorScope::BatchGeneratorScope(uint64_t seed) : previous_(std::move(tls_batch_generator)) {
  tls_batch_generator.emplace(seed);
}

BatchGeneratorScope::~BatchGeneratorScope() { tls_batch_generator = std::move(previous_); }

Generator transform_generator(const std::optional<Generator>& explicit_generator) {
  if (explicit_generator) return *explicit_generator;
  if (tls_batch_generator) return *tls_batch_generator;
  return default_generator();
}

namespace {

struct Result {
  std::any value;
  std::exception_ptr error;
  std::optional<size_t> worker;  // unset when loaded on the consuming thread
};

Result run_load(const BatchLoader::Load& load, size_t index, std::optional<size_t> worker) {
  Result result;
  result.worker = worker;
  try {
    result.value = load(index);
  } catch (...) {
    result.error = std::current_exception();
  }
  return result;
}

[[noreturn]] void rethrow(const Result& result, size_t index) {
  std::string message;
  try {
    std::rethrow_exception(result.error);
  } catch (const std::exception& e) {
    message = e.what();
  } catch (...) {
    message = "an exception that is not a std::exception";
  }
  const std::string where = result.worker ? fmt::format("worker thread {}", *result.worker) : "the main thread";
  EMBER_FAIL("[DataLoader] caught an error loading batch {} in {}: {}", index, where, message);
}

}  // namespace

struct BatchLoader::State {
  size_t num_workers;
  size_t max_in_flight;
  bool persistent;

  std::mutex mutex;
  std::condition_variable work_ready;    // workers wait for a batch to load (or stop)
  std::condition_variable result_ready;  // the consumer waits for the next batch
  std::vector<std::thread> workers;
  bool stop = false;

  // The epoch: batches [0, num_batches); epoch counts starts so that late results of an old one are dropped.
  uint64_t epoch = 0;
  size_t num_batches = 0;
  std::shared_ptr<const Load> load;
  size_t next_dispatch = 0;  // the next batch a worker takes
  size_t next_yield = 0;     // the next batch the consumer gets
  std::map<size_t, Result> results;

  bool can_dispatch() const {
    return load && next_dispatch < num_batches && next_dispatch - next_yield < max_in_flight;
  }

  void work(size_t worker) {
    std::unique_lock<std::mutex> lock(mutex);
    while (true) {
      work_ready.wait(lock, [&] { return stop || can_dispatch(); });
      if (stop) return;
      const size_t index = next_dispatch++;
      const uint64_t my_epoch = epoch;
      std::shared_ptr<const Load> my_load = load;
      lock.unlock();
      Result result = run_load(*my_load, index, worker);
      lock.lock();
      if (my_epoch == epoch) {
        results.emplace(index, std::move(result));
        result_ready.notify_all();
      }
    }
  }

  void start_workers() {
    if (num_workers == 0 || !workers.empty()) return;
    for (size_t w = 0; w < num_workers; ++w) workers.emplace_back([this, w] { work(w); });
  }

  void stop_workers() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      stop = true;
    }
    work_ready.notify_all();
    for (std::thread& t : workers) t.join();
    workers.clear();
    std::lock_guard<std::mutex> lock(mutex);
    stop = false;
  }
};

BatchLoader::BatchLoader(size_t num_workers, size_t prefetch_factor, bool persistent_workers)
    : state_(std::make_unique<State>()) {
  state_->num_workers = num_workers;
  state_->max_in_flight = std::max<size_t>(1, num_workers * prefetch_factor);
  state_->persistent = persistent_workers;
}

BatchLoader::~BatchLoader() { state_->stop_workers(); }

void BatchLoader::start(size_t num_batches, Load load) {
  State& s = *state_;
  if (!s.persistent) s.stop_workers();
  std::map<size_t, Result> dropped;  // destroyed outside the lock
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    ++s.epoch;
    s.num_batches = num_batches;
    s.load = std::make_shared<const Load>(std::move(load));
    s.next_dispatch = 0;
    s.next_yield = 0;
    dropped.swap(s.results);
  }
  s.start_workers();
  s.work_ready.notify_all();
}

std::optional<std::any> BatchLoader::next() {
  State& s = *state_;
  Result result;
  size_t index = 0;
  if (s.workers.empty()) {
    std::shared_ptr<const Load> load;
    {
      std::lock_guard<std::mutex> lock(s.mutex);
      if (!s.load || s.next_yield >= s.num_batches) return std::nullopt;
      index = s.next_yield++;
      load = s.load;
    }
    result = run_load(*load, index, std::nullopt);
  } else {
    std::unique_lock<std::mutex> lock(s.mutex);
    if (s.next_yield >= s.num_batches) {
      lock.unlock();
      if (!s.persistent) s.stop_workers();
      return std::nullopt;
    }
    index = s.next_yield;
    s.result_ready.wait(lock, [&] { return s.results.count(index) > 0; });
    auto it = s.results.find(index);
    result = std::move(it->second);
    s.results.erase(it);
    ++s.next_yield;
    lock.unlock();
    s.work_ready.notify_all();
  }
  if (result.error) rethrow(result, index);
  return std::move(result.value);
}

}  // namespace ember::data::detail
