// Command-line parsing for mldesk-train: the seed script's flags (--data-folder, --batch-size, ...) plus the
// trainer's own (--epochs, --optimizer, --model, --device, --seed, --outputs, --list-devices, --help, --version).
#pragma once

#include "mldesk/gpu/Trainer.h"

#include <string>
#include <vector>

namespace mldesk::train {

struct CommandLine {
    enum class Action { Train, Help, Version, ListDevices };
    Action action = Action::Train;
    gpu::TrainOptions options;
};

// Throws std::runtime_error with a message naming the bad flag or value.
CommandLine parseCommandLine(const std::vector<std::string> &args);

std::string helpText();

// {"cuda_compiled": true, "devices": [{"index": 0, "name": ..., "memory_bytes": ..., "compute_capability": "9.0",
//  "multiprocessors": 132}]}
std::string listDevicesJson();

} // namespace mldesk::train
