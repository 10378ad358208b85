// Data loading: datasets, samplers, DataLoader with worker threads, and image transforms.
#pragma once
