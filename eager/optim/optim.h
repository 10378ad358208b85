// Optimizers (SGD, Adam, AdamW, RMSprop, Adagrad), parameter groups, LR schedulers and gradient clipping.
#pragma once
