// The study schema: one table of every key, its type, default, allowed values and meaning. Validation, defaults,
// the resolved study and the key reference in docs/study-keys.md all come from this table.
#pragma once
#include <string>
#include <vector>

namespace precis {

enum class KeyType {
    Text,        // any text
    Name,        // [A-Za-z0-9._-]+
    Path,        // a file or folder; relative paths resolve against the folder of the file that sets them
    Int,
    Float,
    Bool,
    TextList,    // [a, b] (a single value is a list of one)
    PathList,
    Choice,      // one of `choices`
    Modalities,  // [proteome, {genome: 0.5}]
};

struct KeyDef {
    std::string path;                      // "clustering.k.max"
    KeyType type;
    std::string default_value;             // YAML text; empty = no default
    std::string help;
    std::vector<std::string> choices;      // Choice: accepted values
    bool has_min = false, has_max = false;
    double min = 0, max = 0;
    bool min_open = false;                 // (min, ...] instead of [min, ...]
};

// A path segment "<name>" is the user's name for one of several entries of a section, e.g. "outcomes.<name>.time"
// is the time column of each endpoint the study names ("outcomes.os.time"). find_key matches any name there
// (letters, digits, '_' and '-').
constexpr const char* kNamed = "<name>";
const std::vector<KeyDef>& schema();
const KeyDef* find_key(const std::string& path);
std::string named_family(const std::string& path);  // "outcomes" for "outcomes.<name>.time", else "".
bool is_section(const std::string& path);                        // e.g. "genome.qc"
std::vector<std::string> children(const std::string& section);  // direct keys and sections under it ("" = root)
std::string type_text(const KeyDef& k);                          // "number in (0, 1]", "one of: a | b", ...

// The key reference as Markdown (docs/study-keys.md is this output; a test keeps them equal).
std::string schema_markdown();

}  // namespace precis
