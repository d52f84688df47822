// mldesk-train: the built-in trainer (the seed's keras_mnist.py, natively). Parses flags and runs the job; every
// failure becomes one clear message on stderr and exit status 1.
#include "TrainCommandLine.h"

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>

int main(int argc, char **argv)
{
    using namespace mldesk;
    try {
        train::CommandLine cl = train::parseCommandLine(std::vector<std::string>(argv + 1, argv + argc));
        switch (cl.action) {
        case train::CommandLine::Action::Help:
            std::cout << train::helpText();
            return 0;
        case train::CommandLine::Action::Version:
            std::cout << "mldesk-train " << MLDESK_VERSION << '\n';
            return 0;
        case train::CommandLine::Action::ListDevices:
            std::cout << train::listDevicesJson() << '\n';
            return 0;
        case train::CommandLine::Action::Train:
            break;
        }
        if (const char *metrics = std::getenv("MLDESK_METRICS_FILE"))
            cl.options.metricsFile = metrics;
        gpu::runTraining(cl.options, std::cout);
        return 0;
    } catch (const std::exception &e) {
        std::cout.flush();
        std::fprintf(stderr, "mldesk-train: error: %s\n", e.what());
        return 1;
    }
}
