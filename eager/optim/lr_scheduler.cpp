// The schedulers' rate formulas, written in the same operation order as torch.optim.lr_scheduler (1.13)
// so that the rates equal PyTorch's bit for bit.
#include "eager/optim/lr_scheduler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "eager/optim/adam.h"
#include "eager/optim/rmsprop.h"
#include "eager/optim/sgd.h"
#include "kernels/check.h"

namespace ember::optim {

// ---- LRScheduler ----

LRScheduler::LRScheduler(Optimizer& optimizer) : optimizer_(optimizer), base_lrs_(get_current_lrs()) {}

std::vector<double> LRScheduler::get_current_lrs() const {
  std::vector<double> lrs;
  for (const OptimizerParamGroup& group : optimizer_.param_groups()) lrs.push_back(group.options().get_lr());
  return lrs;
}

void LRScheduler::step() {
  ++last_epoch_;
  std::vector<double> lrs;
  try {
    lrs = get_lrs();
  } catch (...) {
    --last_epoch_;  // a refused step leaves the schedule where it was
    throw;
  }
  ++step_count_;
  auto& groups = optimizer_.param_groups();
  EMBER_CHECK(lrs.size() == groups.size(),
              "[LRScheduler] the scheduler computed {} rates for {} parameter groups; add groups before creating "
              "the scheduler",
              lrs.size(), groups.size());
  for (size_t i = 0; i < groups.size(); ++i) groups[i].options().set_lr(lrs[i]);
  last_lr_ = get_current_lrs();
}

// ---- StepLR, MultiStepLR, ExponentialLR ----

StepLR::StepLR(Optimizer& optimizer, int64_t step_size, double gamma)
    : LRScheduler(optimizer), step_size_(step_size), gamma_(gamma) {
  EMBER_CHECK(step_size > 0, "[StepLR] step_size should be a positive number of epochs, got {}", step_size);
  initial_step();
}

std::vector<double> StepLR::get_lrs() {
  std::vector<double> lrs = get_current_lrs();
  if (last_epoch_ == 0 || last_epoch_ % step_size_ != 0) return lrs;
  for (double& lr : lrs) lr = lr * gamma_;
  return lrs;
}

MultiStepLR::MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma)
    : LRScheduler(optimizer), milestones_(std::move(milestones)), gamma_(gamma) {
  initial_step();
}

std::vector<double> MultiStepLR::get_lrs() {
  std::vector<double> lrs = get_current_lrs();
  // A milestone listed k times multiplies by gamma^k (PyTorch counts them with a Counter).
  const auto count = std::count(milestones_.begin(), milestones_.end(), last_epoch_);
  if (count == 0) return lrs;
  for (double& lr : lrs) lr = lr * std::pow(gamma_, double(count));
  return lrs;
}

ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma) : LRScheduler(optimizer), gamma_(gamma) {
  initial_step();
}

std::vector<double> ExponentialLR::get_lrs() {
  std::vector<double> lrs = get_current_lrs();
  if (last_epoch_ == 0) return lrs;
  for (double& lr : lrs) lr = lr * gamma_;
  return lrs;
}

// ---- CosineAnnealingLR ----

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min)
    : LRScheduler(optimizer), T_max_(T_max), eta_min_(eta_min) {
  EMBER_CHECK(T_max > 0, "[CosineAnnealingLR] T_max should be a positive number of epochs, got {}", T_max);
  initial_step();
}

std::vector<double> CosineAnnealingLR::get_lrs() {
  constexpr double pi = std::numbers::pi;
  std::vector<double> lrs = get_current_lrs();
  if (last_epoch_ == 0) return lrs;
  const double T = double(T_max_);
  if ((last_epoch_ - 1 - T_max_) % (2 * T_max_) == 0) {
    // The first epoch of a rising half-period: PyTorch adds the step instead of scaling.
    for (size_t i = 0; i < lrs.size(); ++i) lrs[i] = lrs[i] + (base_lrs_[i] - eta_min_) * (1 - std::cos(pi / T)) / 2;
    return lrs;
  }
  const double epoch = double(last_epoch_);
  for (double& lr : lrs)
    lr = (1 + std::cos(pi * epoch / T)) / (1 + std::cos(pi * (epoch - 1) / T)) * (lr - eta_min_) + eta_min_;
  return lrs;
}

// ---- OneCycleLR ----

namespace {
enum RateIndex { kInitialLr, kMaxLr, kMinLr, kMaxMomentum, kBaseMomentum };
}  // namespace

OneCycleLR::OneCycleLR(Optimizer& optimizer, const OneCycleLROptions& options)
    : LRScheduler(optimizer), options_(options) {
  const int64_t total = options.total_steps();
  EMBER_CHECK(total > 0, "Expected positive integer total_steps, but got {}", total);
  const double pct_start = options.pct_start();
  EMBER_CHECK(pct_start >= 0 && pct_start <= 1, "Expected float between 0 and 1 pct_start, but got {}",
              detail::python_float(pct_start));
  if (options.three_phase()) {
    phases_ = {{pct_start * double(total) - 1, kInitialLr, kMaxLr, kMaxMomentum, kBaseMomentum},
               {2 * pct_start * double(total) - 2, kMaxLr, kInitialLr, kBaseMomentum, kMaxMomentum},
               {double(total - 1), kInitialLr, kMinLr, kMaxMomentum, kMaxMomentum}};
  } else {
    phases_ = {{pct_start * double(total) - 1, kInitialLr, kMaxLr, kMaxMomentum, kBaseMomentum},
               {double(total - 1), kMaxLr, kMinLr, kBaseMomentum, kMaxMomentum}};
  }

  auto& groups = optimizer.param_groups();
  const std::vector<double>& max_lrs = options.max_lr();
  EMBER_CHECK(max_lrs.size() == 1 || max_lrs.size() == groups.size(),
              "expected {} values for max_lr, got {} (or pass one value for all groups)", groups.size(),
              max_lrs.size());
  for (size_t i = 0; i < groups.size(); ++i) {
    const double max_lr = max_lrs.size() == 1 ? max_lrs[0] : max_lrs[i];
    const double initial_lr = max_lr / options.div_factor();
    groups_.push_back({{initial_lr, max_lr, initial_lr / options.final_div_factor(), options.max_momentum(),
                        options.base_momentum()}});
    base_lrs_[i] = initial_lr;  // PyTorch's group['initial_lr']
    if (options.cycle_momentum()) set_momentum(groups[i].options(), options.max_momentum());
  }
  initial_step();
}

void OneCycleLR::set_momentum(OptimizerOptions& options, double momentum) const {
  if (auto* sgd = dynamic_cast<SGDOptions*>(&options)) sgd->momentum(momentum);
  else if (auto* rmsprop = dynamic_cast<RMSpropOptions*>(&options)) rmsprop->momentum(momentum);
  else if (auto* adam = dynamic_cast<AdamOptions*>(&options)) adam->betas({momentum, std::get<1>(adam->betas())});
  else if (auto* adamw = dynamic_cast<AdamWOptions*>(&options)) adamw->betas({momentum, std::get<1>(adamw->betas())});
  else
    EMBER_FAIL(
        "optimizer must support momentum with `cycle_momentum` option enabled (SGD, RMSprop, Adam or AdamW); "
        "pass OneCycleLROptions(...).cycle_momentum(false) for other optimizers");
}

double OneCycleLR::anneal(double start, double end, double pct) const {
  if (options_.anneal_strategy() == AnnealStrategy::cos) {
    const double cos_out = std::cos(std::numbers::pi * pct) + 1;
    return end + (start - end) / 2.0 * cos_out;
  }
  return (end - start) * pct + start;
}

std::vector<double> OneCycleLR::get_lrs() {
  const int64_t step_num = last_epoch_;
  EMBER_CHECK(step_num <= options_.total_steps(), "Tried to step {} times. The specified number of total steps is {}",
              step_num + 1, options_.total_steps());
  auto& groups = optimizer_.param_groups();
  std::vector<double> lrs;
  for (size_t g = 0; g < groups.size(); ++g) {
    const double* rates = groups_[g].values;
    double start_step = 0;
    for (size_t i = 0; i < phases_.size(); ++i) {
      const Phase& phase = phases_[i];
      if (double(step_num) <= phase.end_step || i + 1 == phases_.size()) {
        const double pct = (double(step_num) - start_step) / (phase.end_step - start_step);
        lrs.push_back(anneal(rates[phase.start_lr], rates[phase.end_lr], pct));
        if (options_.cycle_momentum())
          set_momentum(groups[g].options(), anneal(rates[phase.start_momentum], rates[phase.end_momentum], pct));
        break;
      }
      start_step = phase.end_step;
    }
  }
  return lrs;
}

// ---- ReduceLROnPlateauScheduler ----

ReduceLROnPlateauScheduler::ReduceLROnPlateauScheduler(Optimizer& optimizer, SchedulerMode mode, double factor,
                                                       int64_t patience, double threshold,
                                                       ThresholdMode threshold_mode, int64_t cooldown,
                                                       const std::vector<double>& min_lr, double eps)
    : optimizer_(optimizer),
      mode_(mode),
      factor_(factor),
      patience_(patience),
      threshold_(threshold),
      threshold_mode_(threshold_mode),
      cooldown_(cooldown),
      eps_(eps) {
  EMBER_CHECK(factor < 1.0, "Factor should be < 1.0.");
  const size_t n = optimizer.param_groups().size();
  EMBER_CHECK(min_lr.size() <= 1 || min_lr.size() == n, "expected {} min_lrs, got {} (or pass one for all groups)",
              n, min_lr.size());
  min_lrs_ = min_lr.size() == n ? min_lr : std::vector<double>(n, min_lr.empty() ? 0.0 : min_lr[0]);
  best_ = mode == min ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
}

bool ReduceLROnPlateauScheduler::is_better(double a, double best) const {
  if (mode_ == min && threshold_mode_ == rel) return a < best * (1. - threshold_);
  if (mode_ == min && threshold_mode_ == abs) return a < best - threshold_;
  if (mode_ == max && threshold_mode_ == rel) return a > best * (threshold_ + 1.);
  return a > best + threshold_;
}

void ReduceLROnPlateauScheduler::step(double metric) {
  last_epoch_ += 1;
  if (is_better(metric, best_)) {
    best_ = metric;
    num_bad_epochs_ = 0;
  } else {
    num_bad_epochs_ += 1;
  }
  if (cooldown_counter_ > 0) {
    cooldown_counter_ -= 1;
    num_bad_epochs_ = 0;  // bad epochs during cooldown do not count
  }
  if (num_bad_epochs_ > patience_) {
    reduce_lr();
    cooldown_counter_ = cooldown_;
    num_bad_epochs_ = 0;
  }
}

void ReduceLROnPlateauScheduler::reduce_lr() {
  auto& groups = optimizer_.param_groups();
  for (size_t i = 0; i < groups.size(); ++i) {
    const double old_lr = groups[i].options().get_lr();
    const double new_lr = std::max(old_lr * factor_, min_lrs_.at(i));
    if (old_lr - new_lr > eps_) groups[i].options().set_lr(new_lr);
  }
}

std::vector<double> ReduceLROnPlateauScheduler::get_last_lr() const {
  std::vector<double> lrs;
  for (const OptimizerParamGroup& group : optimizer_.param_groups()) lrs.push_back(group.options().get_lr());
  return lrs;
}

}  // namespace ember::optim
