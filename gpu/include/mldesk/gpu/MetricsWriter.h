// Metrics as JSON lines appended to the file named by MLDESK_METRICS_FILE:
// {"name":"Loss","step":3,"value":0.41,"time":1732590000.123}. Each line goes out in one write(2) on an O_APPEND
// descriptor, so a reader tailing the file never sees half a line.
#pragma once

#include <string>

namespace mldesk::gpu {

class MetricsWriter {
public:
    MetricsWriter() = default;
    // Opens `path` for appending (creating it); an empty path disables logging. Throws when it cannot be opened.
    explicit MetricsWriter(const std::string &path);
    ~MetricsWriter();
    MetricsWriter(const MetricsWriter &) = delete;
    MetricsWriter &operator=(const MetricsWriter &) = delete;

    bool enabled() const { return m_fd >= 0; }
    void log(const std::string &name, long long step, double value);

    // One metric line (no newline), exposed for tests.
    static std::string formatLine(const std::string &name, long long step, double value, double unixTime);

private:
    int m_fd = -1;
    std::string m_path;
};

} // namespace mldesk::gpu
