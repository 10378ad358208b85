// ember: the one header an application includes.
#pragma once

#include "eager/allocator.h"
#include "eager/autograd/autograd.h"
#include "eager/device.h"
#include "eager/dtype.h"
#include "eager/op_registry.h"
#include "eager/ops.h"
#include "eager/ops_conv.h"
#include "eager/ops_nn.h"
#include "eager/random.h"
#include "eager/scalar.h"
#include "eager/tensor.h"
#include "eager/tensor_data.h"
#include "eager/tensor_options.h"
