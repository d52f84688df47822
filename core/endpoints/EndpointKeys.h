// EndpointKeys: an endpoint's two keys (primary, secondary): 256 random bits each, base64url. They live only in
// <endpoint folder>/keys, mode 600 (written to a temporary file and renamed), which mldesk-serve reads at start and
// on SIGHUP - never in workspace.db, config.json or a log. A file rather than the keychain (where compute tokens go)
// because the supervisor must restart a crashed server with no MLDesk process and no unlocked keyring around.
#pragma once

#include <QString>

namespace mldesk::core {

struct EndpointKeyPair {
    QString primary;
    QString secondary;
};

class EndpointKeys final {
public:
    static QString generate();
    static QString fileIn(const QString &endpointFolder) { return endpointFolder + QStringLiteral("/keys"); }
    // Throws WorkspaceError when the file cannot be written or read.
    static void write(const QString &endpointFolder, const EndpointKeyPair &keys);
    static EndpointKeyPair read(const QString &endpointFolder);
};

} // namespace mldesk::core
