// JSON-lines metrics writer: whole lines, one write(2) each, O_APPEND so concurrent readers see whole lines.
#include "mldesk/gpu/MetricsWriter.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <unistd.h>

namespace mldesk::gpu {

MetricsWriter::MetricsWriter(const std::string &path) : m_path(path)
{
    if (path.empty())
        return;
    m_fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (m_fd < 0)
        throw std::runtime_error("cannot open the metrics file '" + path +
                                 "' (MLDESK_METRICS_FILE): " + std::strerror(errno));
}

MetricsWriter::~MetricsWriter()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

std::string MetricsWriter::formatLine(const std::string &name, long long step, double value, double unixTime)
{
    nlohmann::ordered_json j;
    j["name"] = name;
    j["step"] = step;
    if (std::isfinite(value))
        j["value"] = value;
    else
        j["value"] = nullptr; // JSON has no NaN/inf
    j["time"] = std::round(unixTime * 1000.0) / 1000.0;
    return j.dump();
}

void MetricsWriter::log(const std::string &name, long long step, double value)
{
    if (m_fd < 0)
        return;
    const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    const std::string line = formatLine(name, step, value, now) + "\n";
    const ssize_t n = ::write(m_fd, line.data(), line.size());
    if (n != ssize_t(line.size()))
        throw std::runtime_error("cannot write to the metrics file '" + m_path + "'");
}

} // namespace mldesk::gpu
