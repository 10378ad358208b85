// Learning-rate schedulers with PyTorch's (chainable, recursive) formulas: StepLR, MultiStepLR,
// ExponentialLR, CosineAnnealingLR, OneCycleLR and ReduceLROnPlateauScheduler.
#pragma once

#include <cstdint>
#include <vector>

#include "eager/optim/optimizer.h"

namespace ember::optim {

// The base of the epoch-driven schedulers. As in PyTorch, constructing one counts as the first step
// (epoch 0); each step() moves to the next epoch and writes the new rates into the parameter groups.
class LRScheduler {
 public:
  explicit LRScheduler(Optimizer& optimizer);
  virtual ~LRScheduler() = default;
  void step();
  // The rates the last step set, one per parameter group.
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  int64_t last_epoch() const { return last_epoch_; }
  const std::vector<double>& base_lrs() const { return base_lrs_; }

 protected:
  // The rates for epoch last_epoch_ (already advanced), one per group.
  virtual std::vector<double> get_lrs() = 0;
  // Derived constructors end with this: PyTorch's _initial_step, epoch -1 -> 0.
  void initial_step() { step(); }
  std::vector<double> get_current_lrs() const;

  Optimizer& optimizer_;
  std::vector<double> base_lrs_;
  int64_t last_epoch_ = -1;
  int64_t step_count_ = 0;

 private:
  std::vector<double> last_lr_;
};

// Multiplies the rate by gamma every step_size epochs.
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1);

 protected:
  std::vector<double> get_lrs() override;

 private:
  int64_t step_size_;
  double gamma_;
};

// Multiplies the rate by gamma at each milestone epoch (by gamma^k for a milestone listed k times).
class MultiStepLR : public LRScheduler {
 public:
  MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma = 0.1);

 protected:
  std::vector<double> get_lrs() override;

 private:
  std::vector<int64_t> milestones_;
  double gamma_;
};

// Multiplies the rate by gamma every epoch.
class ExponentialLR : public LRScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, double gamma);

 protected:
  std::vector<double> get_lrs() override;

 private:
  double gamma_;
};

// Cosine annealing from the base rate to eta_min over T_max epochs (and back up after), in PyTorch's
// recursive form, so that it composes with other changes to the rate.
class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min = 0);

 protected:
  std::vector<double> get_lrs() override;

 private:
  int64_t T_max_;
  double eta_min_;
};

enum class AnnealStrategy { cos, linear };

// OneCycleLR's settings with torch.optim.lr_scheduler.OneCycleLR's defaults. max_lr holds one rate
// for every group or one per group.
struct OneCycleLROptions {
  OneCycleLROptions(std::vector<double> max_lr, int64_t total_steps)
      : max_lr_(std::move(max_lr)), total_steps_(total_steps) {}
  OneCycleLROptions(double max_lr, int64_t total_steps) : max_lr_{max_lr}, total_steps_(total_steps) {}
  EMBER_OPTIM_ARG(std::vector<double>, max_lr);
  EMBER_OPTIM_ARG(int64_t, total_steps);
  EMBER_OPTIM_ARG(double, pct_start) = 0.3;
  EMBER_OPTIM_ARG(AnnealStrategy, anneal_strategy) = AnnealStrategy::cos;
  EMBER_OPTIM_ARG(bool, cycle_momentum) = true;
  EMBER_OPTIM_ARG(double, base_momentum) = 0.85;
  EMBER_OPTIM_ARG(double, max_momentum) = 0.95;
  EMBER_OPTIM_ARG(double, div_factor) = 25;
  EMBER_OPTIM_ARG(double, final_div_factor) = 1e4;
  EMBER_OPTIM_ARG(bool, three_phase) = false;
};

// The 1cycle policy: the rate rises from max_lr/div_factor to max_lr over pct_start of the steps, then
// falls to initial_lr/final_div_factor; momentum (SGD, RMSprop) or beta1 (Adam, AdamW) moves the other
// way between max_momentum and base_momentum. Step it after every batch, at most total_steps times.
class OneCycleLR : public LRScheduler {
 public:
  OneCycleLR(Optimizer& optimizer, const OneCycleLROptions& options);

 protected:
  std::vector<double> get_lrs() override;

 private:
  struct Phase {
    double end_step;
    int start_lr, end_lr, start_momentum, end_momentum;  // indices into GroupRates' values
  };
  struct GroupRates {
    double values[5];  // initial_lr, max_lr, min_lr, max_momentum, base_momentum
  };
  double anneal(double start, double end, double pct) const;
  void set_momentum(OptimizerOptions& options, double momentum) const;

  OneCycleLROptions options_;
  std::vector<Phase> phases_;
  std::vector<GroupRates> groups_;
};

// Lowers the rate by `factor` once a metric has stopped improving for `patience` epochs (not an
// LRScheduler: step takes the metric). min_lr holds nothing (0), one rate, or one per group.
class ReduceLROnPlateauScheduler {
 public:
  enum SchedulerMode { min, max };
  enum ThresholdMode { rel, abs };
  explicit ReduceLROnPlateauScheduler(Optimizer& optimizer, SchedulerMode mode = min, double factor = 0.1,
                                      int64_t patience = 10, double threshold = 1e-4,
                                      ThresholdMode threshold_mode = rel, int64_t cooldown = 0,
                                      const std::vector<double>& min_lr = {}, double eps = 1e-8);
  void step(double metric);
  // The groups' rates after the last step (their current rates before any).
  std::vector<double> get_last_lr() const;
  int64_t last_epoch() const { return last_epoch_; }
  double best() const { return best_; }
  int64_t num_bad_epochs() const { return num_bad_epochs_; }

 private:
  bool is_better(double a, double best) const;
  void reduce_lr();

  Optimizer& optimizer_;
  SchedulerMode mode_;
  double factor_;
  int64_t patience_;
  double threshold_;
  ThresholdMode threshold_mode_;
  int64_t cooldown_;
  std::vector<double> min_lrs_;
  double eps_;
  double best_;
  int64_t num_bad_epochs_ = 0;
  int64_t cooldown_counter_ = 0;
  int64_t last_epoch_ = 0;
};

// PyTorch's name for it.
using ReduceLROnPlateau = ReduceLROnPlateauScheduler;

}  // namespace ember::optim
