// Parameter initialisation with torch.nn.init's names and PyTorch's default rules.
#pragma once
