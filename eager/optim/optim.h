// Optimizers (SGD, Adam, AdamW, RMSprop, Adagrad), parameter groups, LR schedulers and gradient clipping.
#pragma once

#include "eager/optim/adagrad.h"
#include "eager/optim/adam.h"
#include "eager/optim/clip_grad.h"
#include "eager/optim/lr_scheduler.h"
#include "eager/optim/optimizer.h"
#include "eager/optim/rmsprop.h"
#include "eager/optim/sgd.h"
