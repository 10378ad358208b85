// The option helpers layers use: EMBER_ARG, ExpandingArray and the Python-repr helpers (all in nn/options.h).
#pragma once

#include "eager/nn/options.h"
