// The subtype model's file, model/subtype_model.h5 (layout in docs/classify.md), written and read serially.
#pragma once
#include <string>

#include "classify/model.hpp"

namespace precis {

// Written to PATH.partial and renamed into place: a model file is never half written.
void write_subtype_model(const std::string& path, const SubtypeModel& m);
// Throws MalformedInput naming the file when it is not a precis subtype model, and Config (exit 2) when it is one of
// another format version.
SubtypeModel read_subtype_model(const std::string& path);

}  // namespace precis
