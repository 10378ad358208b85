// Autograd's public API: grad modes, the graph, backward/grad, custom functions and gradcheck.
#pragma once

#include "eager/autograd/engine.h"
#include "eager/autograd/function.h"
#include "eager/autograd/grad_mode.h"
#include "eager/autograd/gradcheck.h"
#include "eager/autograd/node.h"
