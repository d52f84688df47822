// mldesk-train: the built-in trainer (filled by the mldesk-train issue).
#include <cstdio>
#include <cstring>

int main(int argc, char **argv)
{
    if (argc > 1 && std::strcmp(argv[1], "--version") == 0) {
        std::printf("mldesk-train %s\n", MLDESK_VERSION);
        return 0;
    }
    std::fprintf(stderr, "mldesk-train: not implemented yet\n");
    return 1;
}
