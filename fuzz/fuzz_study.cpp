// The study YAML: layering over the preset, the schema's checks, every problem as FILE:LINE:COL.
#include "config/study.hpp"
#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    return precis_fuzz::refuse_or_parse([&] { precis::parse_study(text, precis_fuzz::dir() + "/study.yaml"); });
}
