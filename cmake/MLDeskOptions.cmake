# One INTERFACE target carries the language standard, warnings and strict Qt defines for every MLDesk target.
# Warnings are wrapped in $<COMPILE_LANGUAGE:CXX> so nvcc never sees them.
add_library(mldesk_options INTERFACE)
add_library(MLDesk::options ALIAS mldesk_options)
target_compile_features(mldesk_options INTERFACE cxx_std_20)
target_compile_options(mldesk_options INTERFACE
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow=local -Wnon-virtual-dtor -Wno-missing-field-initializers>
    # CMake 3.25 cannot give nvcc C++20: .cu files are C++17 (see gpu/CMakeLists.txt).
    $<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-Wall --expt-relaxed-constexpr>)
target_compile_definitions(mldesk_options INTERFACE
    QT_NO_CAST_FROM_ASCII QT_NO_CAST_TO_ASCII QT_NO_CONTEXTLESS_CONNECT QT_NO_URL_CAST_FROM_STRING
    QT_NO_NARROWING_CONVERSIONS_IN_CONNECT QT_USE_QSTRINGBUILDER QT_STRICT_ITERATORS
    MLDESK_VERSION="${PROJECT_VERSION}")
