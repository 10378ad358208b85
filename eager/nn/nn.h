// The nn layer: Module, containers and layers.
#pragma once

#include "eager/nn/module.h"
#include "eager/nn/modules/layers.h"
#include "eager/nn/modules/linear.h"
#include "eager/nn/modules/rnn.h"
#include "eager/nn/modules/transformer.h"
