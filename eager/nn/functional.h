// nn::functional: activations, losses and layers as functions with libtorch's option structs.
#pragma once
