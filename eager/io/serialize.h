// Saving and loading tensors, state dicts and checkpoints in the safetensors format.
#pragma once
