// What the run commands' two files share (RunCommands.cpp defines them): exit codes, output, following a run.
#pragma once

#include "core/runs/RunTypes.h"

#include <QString>

#include <memory>

namespace mldesk::core {
class RunService;
}

namespace mldesk::cli {

class CliContext;
class CommandRegistry;

// 0 for Completed, 4 for Canceled, 3 otherwise (`run submit --wait`, `run logs --follow`, `run metrics --follow`).
int runExitCodeFor(core::RunState state);
// Text to stdout as it comes (a log streamed while the run goes on).
void writeOut(const QString &text);
// --priority / set-priority's VALUE: low, normal, high or -1000..1000; a UsageError saying the range otherwise.
int priorityArgument(const QString &text);
// A service for a one-shot command: no scheduling, but runs that ended while nobody watched are finalized.
std::unique_ptr<core::RunService> passiveService(CliContext &context);
// Streams the log of uid (printLog) and waits until the run ends; returns its end state.
core::RunState follow(core::RunService &service, const QString &uid, bool printLog, bool printStates);
// metrics, files, download (RunDataCommands.cpp), registered by registerRunCommands.
void registerRunDataCommands(CommandRegistry &registry);

} // namespace mldesk::cli
