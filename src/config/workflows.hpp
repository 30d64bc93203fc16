// Workflow presets (workflows/*.yaml), compiled into the binary.
#pragma once
#include <string>
#include <vector>

namespace precis {
struct Preset {
    std::string name, text;
};
const std::vector<Preset>& presets();
}  // namespace precis
