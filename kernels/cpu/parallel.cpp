// Thread pool behind parallel_for: workers wait on a generation counter; the caller takes chunk 0.
#include "kernels/cpu/parallel.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "kernels/check.h"

namespace ember::kernels::cpu {
namespace {

thread_local bool tls_in_parallel = false;

class ThreadPool {
 public:
  explicit ThreadPool(int threads) { resize(threads); }
  ~ThreadPool() { stop(); }

  int size() const { return int(workers_.size()) + 1; }

  void resize(int threads) {
    stop();
    stopping_ = false;
    for (int i = 1; i < threads; ++i) workers_.emplace_back([this, i] { work(i); });
  }

  // Runs task(chunk) for chunk in [0, chunks), spread over the pool.
  void run(int chunks, const std::function<void(int)>& task) {
    std::unique_lock<std::mutex> run_lock(run_mutex_);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      task_ = &task;
      chunks_ = chunks;
      next_chunk_.store(0);
      pending_ = chunks;
      error_ = nullptr;
      ++generation_;
    }
    wake_.notify_all();
    drain();
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [&] { return pending_ == 0; });
    task_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void drain() {
    tls_in_parallel = true;
    for (;;) {
      int chunk = next_chunk_.fetch_add(1);
      if (chunk >= chunks_) break;
      try {
        (*task_)(chunk);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!error_) error_ = std::current_exception();
      }
      std::lock_guard<std::mutex> lock(mutex_);
      if (--pending_ == 0) done_.notify_all();
    }
    tls_in_parallel = false;
  }
  void work(int) {
    uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return stopping_ || (generation_ != seen && task_ != nullptr); });
        if (stopping_) return;
        seen = generation_;
      }
      drain();
    }
  }
  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

  std::vector<std::thread> workers_;
  std::mutex run_mutex_, mutex_;
  std::condition_variable wake_, done_;
  const std::function<void(int)>* task_ = nullptr;
  int chunks_ = 0, pending_ = 0;
  std::atomic<int> next_chunk_{0};
  uint64_t generation_ = 0;
  bool stopping_ = false;
  std::exception_ptr error_;
};

int default_threads() {
  unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : int(hw);
}

std::atomic<int> g_num_threads{0};

ThreadPool& pool() {
  static ThreadPool instance(get_num_threads());
  return instance;
}

}  // namespace

int get_num_threads() {
  int n = g_num_threads.load();
  if (n == 0) {
    g_num_threads.compare_exchange_strong(n, default_threads());
    n = g_num_threads.load();
  }
  return n;
}

void set_num_threads(int n) {
  EMBER_CHECK(n >= 1, "[set_num_threads] Expected a positive number of threads, got {}.", n);
  g_num_threads.store(n);
  if (pool().size() != n) pool().resize(n);
}

void parallel_for(int64_t total, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (total <= 0) return;
  const int threads = get_num_threads();
  if (threads == 1 || tls_in_parallel || total < 2 * grain) {
    fn(0, total);
    return;
  }
  const int64_t chunks = std::min<int64_t>(threads, total / grain);
  const int64_t step = (total + chunks - 1) / chunks;
  pool().run(int(chunks), [&](int c) {
    const int64_t begin = c * step, end = std::min(total, begin + step);
    if (begin < end) fn(begin, end);
  });
}

}  // namespace ember::kernels::cpu
