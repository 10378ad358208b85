// Every layer, container, activation and loss module (included by eager/nn/nn.h).
#pragma once

#include "eager/nn/modules/activation.h"
#include "eager/nn/modules/basic.h"
#include "eager/nn/modules/common.h"
#include "eager/nn/modules/container.h"
#include "eager/nn/modules/conv.h"
#include "eager/nn/modules/embedding.h"
#include "eager/nn/modules/loss.h"
#include "eager/nn/modules/normalization.h"
#include "eager/nn/modules/pooling.h"
