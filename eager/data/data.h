// Data loading: datasets, samplers, DataLoader with worker threads, and image transforms.
#pragma once

#include "eager/data/collate.h"
#include "eager/data/dataloader.h"
#include "eager/data/dataset.h"
#include "eager/data/example.h"
#include "eager/data/samplers.h"
#include "eager/data/transforms.h"
