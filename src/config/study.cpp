#include "config/study.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <cctype>
#include <charconv>
#include <string_view>
#include <set>
#include <cstring>
#include <sstream>

#include "config/schema.hpp"
#include "config/workflows.hpp"
#include "core/error.hpp"
#include "core/parse.hpp"
#include "core/table.hpp"
#include "core/version.hpp"

namespace fs = std::filesystem;

namespace precis {

std::string resolve_path(const std::string& base_dir, const std::string& p) {
    if (p.empty()) return p;
    fs::path q(p);
    if (q.is_absolute()) return q.lexically_normal().string();
    return (fs::path(base_dir) / q).lexically_normal().string();
}

std::string StudyConfig::origin_of(const std::string& key) const {
    // the key's own origin, else that of the nearest section around it that was written
    for (std::string k = key; !k.empty(); k = k.find('.') == std::string::npos ? "" : k.substr(0, k.rfind('.')))
        for (auto& [name, o] : origins)
            if (name == k) return o;
    return path + ":1:1";
}

bool GenomeConfig::is_pc_column(const std::string& column) const {
    if (!enabled || !ancestry.enabled || column.size() < 3 || column.size() > 4 || column.rfind("PC", 0) != 0 ||
        !std::all_of(column.begin() + 2, column.end(), ::isdigit) || column[2] == '0')
        return false;
    return std::stoi(column.substr(2)) <= ancestry.pcs;
}

std::vector<std::pair<std::string, std::string>> AdjustConfig::named_columns() const {
    std::vector<std::pair<std::string, std::string>> named;
    if (!batch.empty()) named.push_back({batch, "clustering.adjust.batch"});
    for (auto& c : covariates) named.push_back({c, "clustering.adjust.covariates"});
    for (auto& c : preserve) named.push_back({c, "clustering.adjust.preserve"});
    return named;
}

bool StudyConfig::is_set(const std::string& key) const {
    for (auto& [name, o] : origins)
        if (name == key) return true;
    return false;
}

namespace {

size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (size_t j = 1; j <= b.size(); ++j)
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

std::string join_choices(const std::vector<std::string>& v, const char* sep) {
    std::string s;
    for (size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + v[i];
    return s;
}

// Character-class checks written out by hand: std::regex recurses once per character and overflows the stack on a
// long value (a 50,000-character study name crashed it), and every value here comes from a user.
bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-'; }
bool all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}
bool is_name(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), name_char); }
// --name or --name=value: name of lower-case letters and '-' (starting with a letter), value of [A-Za-z0-9._,:@+-]
bool is_sbatch_option(std::string_view o) {
    if (o.size() < 3 || o.substr(0, 2) != "--" || !(o[2] >= 'a' && o[2] <= 'z')) return false;
    const size_t eq = o.find('=');
    const std::string_view name = o.substr(2, eq == std::string_view::npos ? std::string_view::npos : eq - 2);
    if (!std::all_of(name.begin(), name.end(), [](char c) { return (c >= 'a' && c <= 'z') || c == '-'; })) return false;
    if (eq == std::string_view::npos) return true;
    const std::string_view value = o.substr(eq + 1);
    return !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("._,:@+-").find(c) != std::string_view::npos;
    });
}
// Slurm's time forms: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS (digits only, at most 3 ':' parts)
bool is_slurm_time(std::string_view t) {
    const size_t dash = t.find('-');
    if (dash != std::string_view::npos) {
        if (!all_digits(t.substr(0, dash))) return false;
        t = t.substr(dash + 1);
    }
    size_t parts = 0;
    for (size_t a = 0;; ++parts) {
        const size_t b = t.find(':', a);
        if (!all_digits(t.substr(a, b == std::string_view::npos ? std::string_view::npos : b - a))) return false;
        if (b == std::string_view::npos) break;
        a = b + 1;
    }
    return parts < 3;
}
bool is_slurm_size(std::string_view m) {
    if (!m.empty() && std::string_view("KMGT").find(m.back()) != std::string_view::npos) m.remove_suffix(1);
    return all_digits(m) && m.size() <= 18;  // a size Slurm can hold
}
bool is_slurm_names(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return name_char(c) || c == ','; });
}

// Limits on what one value may hold (docs/hardening.md): a name becomes a folder name (at most 255 bytes, with room
// for what precis adds); any other value at most PATH_MAX; a list at most this many entries.
constexpr size_t kMaxName = 200, kMaxValue = 4096, kMaxListEntries = 1000000;
std::string bytes_text(size_t n) { return std::to_string(n) + " bytes"; }

// One layer's worth of values, checked against the schema, with where each came from.
struct Value {
    YAML::Node node;     // canonical: paths absolute, lists as sequences
    std::string origin;  // "file:line:col" or "--set key=value"
};

class Resolver {
public:
    std::map<std::string, Value> values;
    std::map<std::string, std::string> section_origin;
    std::set<std::string> seen;  // every key that appeared in a layer, valid or not
    std::vector<std::string>& problems;

    explicit Resolver(std::vector<std::string>& p) : problems(p) {}

    static std::string at(const std::string& file, const YAML::Mark& m) {
        if (m.line < 0) return file + ":1:1";
        return file + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
    }
    void problem(const std::string& where, const std::string& msg, const std::string& fix = {}) {
        problems.push_back(where + ": " + msg + (fix.empty() ? "" : " (fix: " + fix + ")"));
    }

    // Walks a YAML mapping that belongs at `section` ("" = the root).
    void layer(const YAML::Node& node, const std::string& section, const std::string& file,
               const std::string& base_dir, bool is_preset) {
        if (!node.IsMap()) {
            problem(at(file, node.Mark()), section.empty() ? "a study must be a YAML mapping of keys to values"
                                                           : "'" + section + "' must be a mapping of keys to values",
                    section.empty() ? "start with 'study:' and 'samples:' sections" : "indent its keys under it");
            return;
        }
        std::map<std::string, int> lines;  // this mapping's keys: yaml-cpp keeps a repeated key (and its value)
        for (auto it = node.begin(); it != node.end(); ++it) {
            if (!it->first.IsScalar()) {  // YAML allows '? [a, b]' or '? {a: 1}' as a key; a study does not
                problem(at(file, it->first.Mark()), "a key must be a plain name", "write keys as 'name: value'");
                continue;
            }
            std::string k = it->first.as<std::string>();
            std::string path = section.empty() ? k : section + "." + k;
            std::string where = at(file, it->first.Mark());
            if (auto [first, fresh] = lines.emplace(k, it->first.Mark().line + 1); !fresh) {
                problem(where, "'" + path + "' is given twice (first on line " + std::to_string(first->second) + ")",
                        "keep one: a repeated key would silently replace or merge with the first");
                continue;
            }
            if (const KeyDef* def = find_key(path)) {
                if (is_preset && path == "workflow") {
                    problem(where, "a preset cannot name another workflow", "remove 'workflow' from the preset");
                    continue;
                }
                // an alias's mark is its anchor's: a value cannot start before its key otherwise
                const YAML::Mark km = it->first.Mark(), vm = it->second.Mark();
                const bool alias = vm.line < km.line || (vm.line == km.line && vm.column < km.column);
                KeyDef concrete = *def;  // a named entry's key ("outcomes.os.time") is kept under its own path
                concrete.path = path;
                set(concrete, it->second, at(file, alias ? km : vm), base_dir);
            } else if (is_section(path)) {
                section_origin.emplace(path, where);
                if (it->second.IsNull()) continue;  // an empty section
                layer(it->second, path, file, base_dir, is_preset);
            } else {
                unknown(path, section, where);
            }
        }
    }

    void unknown(const std::string& path, const std::string& section, const std::string& where) {
        std::string name = path.size() > section.size() ? path.substr(section.empty() ? 0 : section.size() + 1) : path;
        std::string best;
        size_t bd = 99;
        for (auto& c : children(section)) {
            size_t d = edit_distance(name, c);
            if (d < bd) bd = d, best = c;
        }
        std::string prefix = section.empty() ? "" : section + ".";
        // a known key placed in the wrong section, e.g. 'k' at the root
        std::string elsewhere;
        for (auto& kd : schema()) {
            // the key itself or one of its sections, e.g. 'k' -> 'clustering.k'
            for (size_t end = kd.path.size(); !elsewhere.size() && end != std::string::npos;
                 end = end == 0 ? std::string::npos : kd.path.rfind('.', end - 1)) {
                std::string prefix = kd.path.substr(0, end);
                std::string last = prefix.substr(prefix.rfind('.') == std::string::npos ? 0 : prefix.rfind('.') + 1);
                if (last == name && prefix != path) elsewhere = prefix;
                if (end == 0) break;
            }
            if (!elsewhere.empty()) break;
        }
        if (bd <= std::max<size_t>(2, name.size() / 3))
            problem(where, "unknown key '" + path + "'", "did you mean '" + prefix + best + "'?");
        else if (!elsewhere.empty())
            problem(where, "unknown key '" + path + "'", "'" + name + "' belongs at '" + elsewhere + "'");
        else
            problem(where, "unknown key '" + path + "'",
                    "known keys " + (section.empty() ? std::string("at the top") : "in '" + section + "'") + ": " +
                        join_choices(children(section), ", "));
    }

    // Checks one value against its key; on success records it (later layers replace earlier ones).
    void set(const KeyDef& d, const YAML::Node& n, const std::string& where, const std::string& base_dir) {
        seen.insert(d.path);
        auto bad_type = [&] {
            std::string t = type_text(d);
            std::string use = "use " + std::string(t.rfind("one of", 0) == 0 || t.rfind("true", 0) == 0 ? "" : "a ") + t;
            if (n.IsScalar())
                problem(where, "'" + d.path + "' is '" + n.Scalar() + "'", use);
            else
                problem(where, "'" + d.path + "' has the wrong form", use);
        };
        YAML::Node out;
        try {
            switch (d.type) {
            case KeyType::Text:
            case KeyType::Name:
            case KeyType::Path:
            case KeyType::Choice: {
                // YAML reads a plain null (and ~) as no value: where 'null' is a choice (choose_k), it is that one
                const bool null_choice =
                    n.IsNull() && std::find(d.choices.begin(), d.choices.end(), "null") != d.choices.end();
                if (!n.IsScalar() && !null_choice) return bad_type();
                std::string v = null_choice ? std::string("null") : n.as<std::string>();
                const bool named = d.type == KeyType::Name;
                if (!text_ok(where, "'" + d.path + "'", v, named ? kMaxName : kMaxValue, named ? "a name" : "a value"))
                    return;
                if (d.type == KeyType::Name && !is_name(v))
                    return problem(where, "'" + d.path + "' is '" + v + "'",
                                   "use only letters, digits, '.', '_' and '-'");
                if (d.type == KeyType::Path) {
                    if (v.empty()) return problem(where, "'" + d.path + "' is empty", "give a path");
                    v = resolve_path(base_dir, v);
                }
                if (d.type == KeyType::Choice &&
                    std::find(d.choices.begin(), d.choices.end(), v) == d.choices.end()) {
                    return problem(where, "'" + d.path + "' is '" + v + "'",
                                   "use one of: " + join_choices(d.choices, " | "));
                }
                out = YAML::Node(v);
                break;
            }
            case KeyType::Int: {
                if (!n.IsScalar()) return bad_type();
                // plain digits are read as unsigned (a seed may use all 64 bits), other forms (a sign) as YAML does;
                // every count but the seed is an int
                const std::string& t = n.Scalar();
                const uint64_t most = d.path == "study.seed" ? std::numeric_limits<uint64_t>::max()
                                                             : uint64_t(std::numeric_limits<int>::max());
                const bool digits = all_digits(t);
                uint64_t u = 0;
                long long v = 0;
                bool too_large = false;
                if (digits) {
                    const auto ec = std::from_chars(t.data(), t.data() + t.size(), u).ec;
                    if (ec != std::errc() && ec != std::errc::result_out_of_range) return bad_type();
                    too_large = ec == std::errc::result_out_of_range;
                } else {
                    try {
                        v = n.as<long long>();
                    } catch (const YAML::Exception&) {
                        return bad_type();
                    }
                }
                if (!too_large && !range_ok(d, digits ? double(u) : double(v), where)) return;
                if (too_large || (digits ? u : uint64_t(std::max(v, 0LL))) > most)
                    return problem(where, "'" + d.path + "' is " + t + ", too large",
                                   "use at most " + std::to_string(most));
                out = YAML::Node(digits ? std::to_string(u) : std::to_string(v));
                break;
            }
            case KeyType::Float: {
                if (!n.IsScalar()) return bad_type();
                double v;
                try {
                    v = n.as<double>();
                } catch (const YAML::Exception&) {
                    return bad_type();
                }
                if (!std::isfinite(v)) return bad_type();
                if (!range_ok(d, v, where)) return;
                out = YAML::Node(n.Scalar());  // keep the number as written ("0.8", not 0.80000000000000004)
                break;
            }
            case KeyType::Bool: {
                bool v;
                try {
                    if (!n.IsScalar()) return bad_type();
                    v = n.as<bool>();
                } catch (const YAML::Exception&) {
                    return bad_type();
                }
                out = YAML::Node(v ? "true" : "false");
                break;
            }
            case KeyType::TextList:
            case KeyType::PathList: {
                out = YAML::Node(YAML::NodeType::Sequence);
                std::vector<YAML::Node> items;
                if (n.IsScalar())
                    items.push_back(n);
                else if (n.IsSequence())
                    for (const auto& e : n) items.push_back(e);
                else if (!n.IsNull())
                    return bad_type();
                if (items.size() > kMaxListEntries)
                    return problem(where, "'" + d.path + "' has " + std::to_string(items.size()) + " entries",
                                   "give at most " + std::to_string(kMaxListEntries));
                for (auto& e : items) {
                    if (!e.IsScalar()) return problem(at_mark(where, e), "'" + d.path + "' entries must be plain values");
                    std::string v = e.as<std::string>();
                    if (!text_ok(at_mark(where, e), "an entry of '" + d.path + "'", v, kMaxValue, "entries")) return;
                    out.push_back(d.type == KeyType::PathList ? resolve_path(base_dir, v) : v);
                }
                break;
            }
            case KeyType::Modalities: {
                if (!n.IsSequence()) return bad_type();
                out = YAML::Node(YAML::NodeType::Sequence);
                for (const auto& e : n) {
                    std::string name;
                    double w = 1.0;
                    if (e.IsScalar()) {
                        name = e.as<std::string>();
                    } else if (e.IsMap() && e.size() == 1) {
                        name = e.begin()->first.as<std::string>();
                        try {
                            w = e.begin()->second.as<double>();
                        } catch (const YAML::Exception&) {
                            w = -1;
                        }
                        if (!(w > 0) || !std::isfinite(w))
                            return problem(at_mark(where, e), "the weight of modality '" + name +
                                                                  "' must be a positive number");
                    } else {
                        return problem(at_mark(where, e), "a 'clustering.modalities' entry must be a name or "
                                                          "{name: weight}");
                    }
                    if (name != "genome" && name != "proteome")
                        return problem(at_mark(where, e), "'clustering.modalities' names '" + name + "'",
                                       "use genome or proteome");
                    YAML::Node m;
                    m[name] = e.IsMap() ? e.begin()->second.Scalar() : std::string("1");
                    out.push_back(m);
                }
                break;
            }
            }
        } catch (const YAML::Exception&) {
            return bad_type();
        }
        values[d.path] = Value{out, where};
    }

    // A text value has no NUL (C file names end there: a path would be cut short) and at most `most` bytes; else
    // a problem naming it as `what` ("'key'", "an entry of 'key'"), its fix as `noun` ("a name", "entries").
    bool text_ok(const std::string& where, const std::string& what, const std::string& v, size_t most,
                 const std::string& noun) {
        if (v.find('\0') != std::string::npos)
            problem(where, what + " holds a NUL byte", "remove the \\0 from the value");
        else if (v.size() > most)
            problem(where, what + " is " + bytes_text(v.size()) + " long", "use " + noun + " of at most " + bytes_text(most));
        else
            return true;
        return false;
    }

    static std::string at_mark(const std::string& where, const YAML::Node& n) {
        // `where` is "file:line:col" of the parent value; point at the element instead
        auto colon = where.rfind(':', where.rfind(':') - 1);
        if (n.Mark().line < 0 || colon == std::string::npos) return where;
        return where.substr(0, colon) + ":" + std::to_string(n.Mark().line + 1) + ":" +
               std::to_string(n.Mark().column + 1);
    }

    bool range_ok(const KeyDef& d, double v, const std::string& where) {
        bool ok = true;
        if (d.has_min) ok = ok && (d.min_open ? v > d.min : v >= d.min);
        if (d.has_max) ok = ok && v <= d.max;
        if (!ok) problem(where, "'" + d.path + "' is " + fmt(v) + ", outside the range", "use a " + type_text(d));
        return ok;
    }

    bool has(const std::string& k) const { return values.count(k) > 0; }
    YAML::Node get(const std::string& k) const {
        auto it = values.find(k);
        if (it != values.end()) return it->second.node;
        const KeyDef* d = find_key(k);
        if (d && !d->default_value.empty()) return YAML::Load(d->default_value);
        return YAML::Node();
    }
    std::string origin(const std::string& k, const std::string& fallback) const {
        auto it = values.find(k);
        if (it != values.end()) return it->second.origin;
        for (std::string s = k; !s.empty(); s = s.find('.') == std::string::npos ? "" : s.substr(0, s.rfind('.'))) {
            auto so = section_origin.find(s);
            if (so != section_origin.end()) return so->second;
        }
        return fallback;
    }
};

// Ignores what it parses: counts documents.
struct NoEvents : YAML::EventHandler {
    void OnDocumentStart(const YAML::Mark&) override {}
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}
};

// The YAML documents in `text`, counted up to `most` (YAML::LoadAll never ends on some damaged input: yaml-cpp 0.7
// finds document after empty document, found by fuzzing)
size_t documents(const std::string& text, size_t most) {
    std::istringstream in(text);
    YAML::Parser parser(in);
    NoEvents events;
    size_t n = 0;
    while (n < most && parser.HandleNextDocument(events)) ++n;
    return n;
}

// The line where a second YAML document starts: the first '---' or '...' line after content (else 1)
int second_document_line(const std::string& text) {
    bool content = false;
    int line = 1;
    for (size_t a = 0; a < text.size(); ++line) {
        size_t b = std::min(text.find('\n', a), text.size());
        const std::string_view l(text.data() + a, b - a);
        const bool marker = l.substr(0, 3) == "---" || l.substr(0, 3) == "...";
        if (marker && content) return line;
        if (!marker && !l.empty() && l[0] != '#') content = true;
        a = b + 1;
    }
    return 1;
}

YAML::Node load_yaml(const std::string& text, const std::string& file, std::vector<std::string>& problems) {
    // a '\r' not followed by '\n' (classic Mac line endings): YAML would read the whole file as one line
    for (size_t i = text.find('\r'); i != std::string::npos; i = text.find('\r', i + 1))
        if (i + 1 == text.size() || text[i + 1] != '\n') {
            const size_t line = size_t(std::count(text.begin(), text.begin() + long(i), '\n')) + 1;
            problems.push_back(file + ":" + std::to_string(line) + ": a carriage return ends a line without a line "
                               "feed (old Mac line endings) (fix: convert the file to LF line endings, e.g. "
                               "tr '\\r' '\\n' < old.yaml > study.yaml)");
            return YAML::Node();
        }
    try {
        if (documents(text, 2) > 1) {
            problems.push_back(file + ":" + std::to_string(second_document_line(text)) + ":1: a second YAML document (after '---' or "
                               "'...'): a study is one document (fix: remove the second, or make it a study file "
                               "of its own)");
            return YAML::Node();
        }
        YAML::Node n = YAML::Load(text);
        if (!n || n.IsNull()) {
            problems.push_back(file + ":1:1: the file is empty (fix: write the study as YAML: see docs/study.md)");
            return YAML::Node();
        }
        return n;
    } catch (const YAML::ParserException& e) {
        problems.push_back(Resolver::at(file, e.mark) + ": not valid YAML: " + e.msg +
                           " (fix: correct the YAML syntax at that position)");
        return YAML::Node();
    }
}

void emit_value(YAML::Emitter& e, const YAML::Node& n) {
    if (n.IsSequence()) {
        e << YAML::Flow << YAML::BeginSeq;
        for (const auto& x : n) {
            if (x.IsMap()) {
                e << YAML::Flow << YAML::BeginMap;
                for (auto it = x.begin(); it != x.end(); ++it)
                    e << YAML::Key << it->first.as<std::string>() << YAML::Value << it->second.as<std::string>();
                e << YAML::EndMap;
            } else {
                e << YAML::DoubleQuoted << x.as<std::string>();
            }
        }
        e << YAML::EndSeq;
    } else {
        e << YAML::DoubleQuoted << n.as<std::string>();
    }
}

// The names a study gives the entries of a named section ("outcomes" -> os, pfs), sorted: those with a key set,
// and those written as an empty mapping.
std::vector<std::string> named_entries(const Resolver& r, const std::string& family) {
    std::set<std::string> names;
    const std::string prefix = family + ".";
    auto add = [&](const std::string& path) {
        if (path.compare(0, prefix.size(), prefix) != 0) return;
        const std::string rest = path.substr(prefix.size());
        if (!rest.empty()) names.insert(rest.substr(0, rest.find('.')));
    };
    for (auto& [k, v] : r.values) add(k);
    for (auto& [k, o] : r.section_origin) add(k);
    return std::vector<std::string>(names.begin(), names.end());
}

// The resolved study: every key that has a value, in schema order, nested by section.
std::string emit_resolved(const Resolver& r, const std::string& source, const std::vector<std::string>& overrides) {
    YAML::Emitter e;
    e.SetIndent(2);
    std::vector<std::string> open;  // currently open sections
    e << YAML::BeginMap;
    // a modality the study does not use keeps no section (its defaults alone would read as an incomplete one)
    auto given = [&](const char* k) {
        YAML::Node v = r.get(k);
        return v && !v.IsNull() && !v.as<std::string>().empty();
    };
    const bool genome = given("genome.path_column") || given("genome.cohort_file");
    const bool proteome = given("proteome.path_column") || given("proteome.cohort_file");
    auto emit_key = [&](const std::string& path, KeyType type) {
        YAML::Node v = r.get(path);
        if (!v || v.IsNull()) return;
        std::vector<std::string> parts;
        for (size_t a = 0, b; (b = path.find('.', a)) != std::string::npos; a = b + 1)
            parts.push_back(path.substr(a, b - a));
        std::string leaf = path.substr(path.rfind('.') == std::string::npos ? 0 : path.rfind('.') + 1);
        size_t common = 0;
        while (common < open.size() && common < parts.size() && open[common] == parts[common]) ++common;
        while (open.size() > common) {
            e << YAML::EndMap;
            open.pop_back();
        }
        while (open.size() < parts.size()) {
            e << YAML::Key << parts[open.size()] << YAML::Value << YAML::BeginMap;
            open.push_back(parts[open.size()]);
        }
        e << YAML::Key << leaf << YAML::Value;
        if (type == KeyType::Int || type == KeyType::Float || type == KeyType::Bool)
            e << v.as<std::string>();
        else
            emit_value(e, v);
    };
    std::set<std::string> families_done;
    for (const KeyDef& d : schema()) {
        if ((!genome && d.path.rfind("genome.", 0) == 0) || (!proteome && d.path.rfind("proteome.", 0) == 0))
            continue;
        const std::string family = named_family(d.path);
        if (family.empty()) {
            emit_key(d.path, d.type);
            continue;
        }
        // named entries ("outcomes.os..."): each entry whole, in name order, every key of the family
        if (!families_done.insert(family).second) continue;
        for (const std::string& entry : named_entries(r, family))
            for (const KeyDef& k : schema())
                if (named_family(k.path) == family)
                    emit_key(family + "." + entry + k.path.substr(family.size() + std::strlen(kNamed) + 1), k.type);
    }
    while (!open.empty()) {
        e << YAML::EndMap;
        open.pop_back();
    }
    e << YAML::EndMap;
    std::string head = "# Resolved study, written by precis " + std::string(PRECIS_VERSION) + " from " + source;
    if (!overrides.empty()) head += " with --set " + join_choices(overrides, " --set ");
    head += ".\n# Every value is explicit and every path absolute: `precis run` on this file gives the same results.\n";
    return head + e.c_str() + "\n";
}

StudyConfig build(const Resolver& r, StudyConfig s, std::vector<std::string>& problems) {
    auto str = [&](const char* k) { return r.get(k).IsDefined() && !r.get(k).IsNull() ? r.get(k).as<std::string>() : ""; };
    auto num = [&](const char* k) { return r.get(k).as<double>(); };
    auto integer = [&](const char* k) { return r.get(k).as<long long>(); };
    auto flag = [&](const char* k) { return r.get(k).as<bool>(); };
    // a choice key's value as its enum (the schema has checked the spelling; an unknown one keeps the default)
    auto pick = [&](const char* k, auto& value) { parse_choice(str(k), value); };
    auto list = [&](const char* k) {
        std::vector<std::string> v;
        for (const auto& x : r.get(k)) v.push_back(x.as<std::string>());
        return v;
    };
    const std::string top = s.path + ":1:1";
    auto problem = [&](const std::string& key, const std::string& msg, const std::string& fix) {
        problems.push_back(r.origin(key, top) + ": " + msg + (fix.empty() ? "" : " (fix: " + fix + ")"));
    };

    s.name = str("study.name");
    if (!r.seen.count("study.name"))
        problem("study", "missing 'study.name'", "add 'study: {name: my_study}' (letters, digits, '.', '_', '-')");
    s.seed = r.get("study.seed").as<uint64_t>();  // checked: 0 to 2^64 - 1
    s.workflow = str("workflow");
    pick("study.on_sample_error", s.on_sample_error);
    s.output = str("study.output");
    s.sheet = str("samples.sheet");
    if (s.sheet.empty() && !r.seen.count("samples.sheet"))
        problem("samples", "missing 'samples.sheet'", "name the TSV or CSV sample sheet");
    s.id_column = str("samples.id_column");
    s.phenotypes = list("samples.phenotypes");
    s.listed_phenotypes = s.phenotypes;

    auto& g = s.genome;
    g.path_column = str("genome.path_column");
    g.cohort_file = str("genome.cohort_file");
    {  // a PLINK fileset may be named by its prefix, as plink's --bfile names it
        std::error_code ec;
        if (!g.cohort_file.empty() && !std::filesystem::exists(g.cohort_file, ec) &&
            std::filesystem::is_regular_file(g.cohort_file + ".bed", ec))
            g.cohort_file += ".bed";
    }
    g.enabled = !g.path_column.empty() || !g.cohort_file.empty();
    if (!g.path_column.empty() && !g.cohort_file.empty())
        problem("genome.cohort_file", "the study gives both 'genome.path_column' and 'genome.cohort_file'",
                "keep one: per-sample files or one cohort file");
    g.min_call_rate = num("genome.qc.min_call_rate");
    g.pass_only = flag("genome.qc.pass_only");
    g.min_dp = int(integer("genome.qc.min_dp"));
    g.min_gq = int(integer("genome.qc.min_gq"));
    g.hard_call_threshold = num("genome.qc.hard_call_threshold");
    g.fid_iid = str("genome.sample_ids") == "fid_iid";
    pick("genome.qc.frequencies", g.frequencies);
    if (g.frequencies == Frequencies::Auto)
        g.frequencies = g.cohort_file.empty() ? Frequencies::InfoAf : Frequencies::Cohort;
    if (g.enabled && g.frequencies == Frequencies::Cohort && g.cohort_file.empty())
        problem("genome.qc.frequencies",
                "'genome.qc.frequencies: cohort' needs 'genome.cohort_file': a single-sample VCF holds only its own "
                "sample, so it gives no cohort allele frequencies",
                "use info_af (frequencies from each record's INFO/AF), or give the cohort as one multi-sample file");
    pick("genome.qc.x_par", g.x_par);
    g.female_max_f = num("genome.qc.female_max_f");
    g.male_min_f = num("genome.qc.male_min_f");
    if (!(g.female_max_f <= g.male_min_f))
        problem("genome.qc.female_max_f", "'genome.qc.female_max_f' is above 'genome.qc.male_min_f'",
                "keep female_max_f <= male_min_f (plink's defaults are 0.2 and 0.8)");
    g.sex_column = str("genome.qc.sex_column");
    g.sex_from_fam = flag("genome.qc.sex_from_fam");
    if (g.sex_from_fam && !g.sex_column.empty())
        problem("genome.qc.sex_from_fam", "the study takes the reported sex both from the .fam and from column '" +
                                              g.sex_column + "' of the sheet",
                "keep one: 'genome.qc.sex_from_fam: true' or 'genome.qc.sex_column'");
    g.max_abs_het_f = num("genome.qc.max_abs_het_f");
    g.genes_bed = str("genome.features.gene_burden.genes");
    g.max_af = num("genome.features.gene_burden.max_af");
    pick("genome.features.gene_burden.af", g.af);
    g.consequences = list("genome.features.gene_burden.consequences");
    pick("genome.features.gene_burden.annotation", g.annotation);
    g.annotation_table = str("genome.features.gene_burden.annotation_table");
    if (g.enabled && !g.annotation_table.empty() && g.consequences.empty())
        problem("genome.features.gene_burden.annotation_table",
                "an annotation table is given without 'genome.features.gene_burden.consequences' to look for in it",
                "list the consequences that count, e.g. consequences: [missense_variant, stop_gained], or remove "
                "the table");
    if (g.enabled && !g.annotation_table.empty() && g.annotation != Annotation::Auto)
        problem("genome.features.gene_burden.annotation",
                "consequences are to come both from INFO/" + std::string(g.annotation == Annotation::Csq ? "CSQ" : "ANN") +
                    " and from the annotation table",
                "keep one: remove 'genome.features.gene_burden.annotation' or the annotation_table");
    if (g.enabled && g.af == BurdenAf::Cohort && g.cohort_file.empty())
        problem("genome.features.gene_burden.af",
                "'genome.features.gene_burden.af: cohort' needs 'genome.cohort_file': a single-sample VCF gives no "
                "cohort allele frequencies",
                "use af: info (each record's INFO/AF), or give the cohort as one multi-sample file");
    if (g.enabled && g.genes_bed.empty() && (g.af != BurdenAf::Info || !g.consequences.empty()))
        problem(!g.consequences.empty() ? "genome.features.gene_burden.consequences" : "genome.features.gene_burden.af",
                "gene burden settings are given without 'genome.features.gene_burden.genes'",
                "add the genes BED file, or remove the burden settings");
    g.scores = list("genome.features.scores");
    g.score_min_overlap = num("genome.features.score_min_overlap");
    pick("genome.features.score_missing", g.score_missing);
    auto& an = g.ancestry;
    an.enabled = flag("genome.ancestry.enabled");
    an.pcs = int(integer("genome.ancestry.pcs"));
    an.maf = num("genome.ancestry.maf");
    an.max_missing = num("genome.ancestry.max_missing");
    an.window = int(integer("genome.ancestry.prune.window"));
    an.step = int(integer("genome.ancestry.prune.step"));
    an.r2 = num("genome.ancestry.prune.r2");
    an.exclude = str("genome.ancestry.exclude");
    an.approx_above = int(integer("genome.ancestry.approx_above"));
    an.outlier_pcs = int(integer("genome.ancestry.outlier_pcs"));
    an.outlier_mads = num("genome.ancestry.outlier_mads");
    an.color_by = str("genome.ancestry.color_by");
    if (an.enabled && an.outlier_pcs > an.pcs)
        problem("genome.ancestry.outlier_pcs", "'genome.ancestry.outlier_pcs' (" + std::to_string(an.outlier_pcs) +
                    ") is more than genome.ancestry.pcs (" + std::to_string(an.pcs) + ")",
                "check outliers on at most as many PCs as are computed");
    auto& rl = g.relatedness;
    rl.enabled = flag("genome.relatedness.enabled");
    rl.max_kinship = num("genome.relatedness.max_kinship");
    rl.drop_related = flag("genome.relatedness.drop_related");
    rl.report_kinship = num("genome.relatedness.report_kinship");
    if (an.step > an.window)
        problem("genome.ancestry.prune.step", "'genome.ancestry.prune.step' (" + std::to_string(an.step) +
                    ") is larger than the window (" + std::to_string(an.window) + "): variants between windows "
                    "would never be tested", "use a step of at most the window");
    if (!g.enabled && r.section_origin.count("genome"))
        problem("genome", "the 'genome' section has neither 'genome.path_column' nor 'genome.cohort_file'",
                "name the sheet column that holds each sample's VCF, or the cohort's multi-sample VCF/BCF");

    auto& p = s.proteome;
    p.path_column = str("proteome.path_column");
    p.cohort_file = str("proteome.cohort_file");
    p.enabled = !p.path_column.empty() || !p.cohort_file.empty();
    pick("proteome.format", p.format);
    pick("proteome.measure", p.measure);
    pick("proteome.below_lod", p.below_lod);
    if (p.format == ProteomeFormat::Tsv && !p.cohort_file.empty())
        problem("proteome.cohort_file", "'proteome.cohort_file' needs format olink_npx or maxquant",
                "set proteome.format, or give per-sample tables with proteome.path_column");
    if (p.format != ProteomeFormat::Tsv && !p.path_column.empty())
        problem("proteome.path_column", "'proteome.format: " + name(p.format) + "' reads one file for the cohort",
                "give it as proteome.cohort_file instead of proteome.path_column");
    if (p.format == ProteomeFormat::OlinkNpx && r.has("proteome.transform") && str("proteome.transform") == "log2")
        problem("proteome.transform", "NPX is on a log2 scale already", "remove proteome.transform, or set none");
    p.id_column = str("proteome.id_column");
    p.value_column = str("proteome.value_column");
    pick("proteome.transform", p.transform);
    pick("proteome.normalize", p.normalize);
    pick("proteome.impute", p.impute);
    if (p.enabled && p.normalize == Normalize::PlateMedian && p.format != ProteomeFormat::OlinkNpx)
        problem("proteome.normalize", "'proteome.normalize: plate_median' needs the plates of an Olink NPX file",
                "use proteome.format: olink_npx, or another normalisation (median, quantile)");
    p.min_detected_fraction = num("proteome.qc.min_detected_fraction");
    p.fail_qc_warning = flag("proteome.qc.fail_qc_warning");
    if (!p.enabled && r.section_origin.count("proteome"))
        problem("proteome", "the 'proteome' section has neither 'proteome.path_column' nor 'proteome.cohort_file'",
                "name the sheet column that holds each sample's table, or the cohort's Olink NPX / MaxQuant file");
    if (!g.enabled && !p.enabled && !r.section_origin.count("genome") && !r.section_origin.count("proteome"))
        problem("study", "the study has no modality", "add a 'genome' or a 'proteome' section (or both)");

    s.max_missing = num("cohort.max_missing");

    auto& c = s.clustering;
    c.enabled = flag("clustering.enabled");
    if (r.has("clustering.modalities")) {
        for (const auto& m : r.get("clustering.modalities")) {
            std::string name = m.begin()->first.as<std::string>();
            Modality modality = Modality::Genome;
            const bool known = parse_choice(name, modality);
            c.modalities.push_back(modality);
            c.weights.push_back(m.begin()->second.as<double>());
            const bool ok = known && ((modality == Modality::Genome && g.enabled) ||
                                      (modality == Modality::Proteome && p.enabled));
            if (!ok)
                problem("clustering.modalities", "'clustering.modalities' names '" + name +
                                                     "', which this study does not have",
                        "add its '" + name + ".path_column', or leave it out of clustering.modalities");
        }
    } else {
        if (p.enabled) c.modalities.push_back(Modality::Proteome), c.weights.push_back(1.0);
        if (g.enabled) c.modalities.push_back(Modality::Genome), c.weights.push_back(1.0);
    }
    c.top_variable = int(integer("clustering.top_variable"));
    pick("clustering.center", c.center);
    pick("clustering.algorithm", c.algorithm);
    pick("clustering.distance", c.distance);
    pick("clustering.linkage", c.linkage);
    pick("clustering.inner_linkage", c.inner_linkage);
    c.landmarks = int(integer("clustering.landmarks"));
    c.k_min = int(integer("clustering.k.min"));
    c.k_max = int(integer("clustering.k.max"));
    c.resamples = int(integer("clustering.resamples"));
    c.item_fraction = num("clustering.item_fraction");
    c.feature_fraction = num("clustering.feature_fraction");
    pick("clustering.choose_k", c.choose_k);
    c.null_test.enabled = flag("clustering.null_test.enabled") || c.choose_k == ChooseK::Null;
    c.null_test.references = int(integer("clustering.null_test.references"));
    c.null_test.resamples = int(integer("clustering.null_test.resamples"));
    c.null_test.alpha = num("clustering.null_test.alpha");
    c.model_folds = int(integer("clustering.model.folds"));
    c.model_thresholds = int(integer("clustering.model.thresholds"));
    auto& a = c.adjust;
    pick("clustering.adjust.method", a.method);
    a.batch = str("clustering.adjust.batch");
    a.covariates = list("clustering.adjust.covariates");
    a.preserve = list("clustering.adjust.preserve");
    a.mean_only = flag("clustering.adjust.mean_only");
    a.ref_batch = str("clustering.adjust.ref_batch");
    if (a.method == AdjustMethod::Combat && a.batch.empty())
        problem("clustering.adjust.method", "'clustering.adjust.method: combat' needs 'clustering.adjust.batch'",
                "name the batch column (e.g. batch: plate), or use method: linear for covariates alone");
    // (by value: the other ranks parse the resolved study, which has every key)
    if (a.method != AdjustMethod::Combat)
        for (const auto& [k, given] : {std::pair{"clustering.adjust.mean_only", a.mean_only},
                                       std::pair{"clustering.adjust.ref_batch", !a.ref_batch.empty()}})
            if (given)
                problem(k, "'" + std::string(k) + "' is a ComBat setting, and clustering.adjust.method is " +
                               name(a.method), "set clustering.adjust.method: combat, or remove it");
    if (!a.enabled() && !a.preserve.empty())
        problem("clustering.adjust.preserve", "'clustering.adjust.preserve' is set, but nothing is removed",
                "name clustering.adjust.batch or clustering.adjust.covariates, or remove preserve");
    {
        const auto named = a.named_columns();  // (column, key)
        for (size_t i = 0; i < named.size(); ++i)
            for (size_t j = 0; j < i; ++j)
                if (named[i].first == named[j].first)
                    problem(named[i].second, "column '" + named[i].first + "' is named by both '" + named[j].second +
                                                 "' and '" + named[i].second + "'",
                            "name each column once: its effect is either removed or kept");
    }
    if (c.k_min > c.k_max)
        problem("clustering.k.max", "'clustering.k.min' (" + std::to_string(c.k_min) +
                                        ") is larger than 'clustering.k.max' (" + std::to_string(c.k_max) + ")",
                "make k.min <= k.max");
    if (c.k_max > 100)
        problem("clustering.k.max", "'clustering.k.max' is " + std::to_string(c.k_max) + "; precis tries at most 100",
                "lower clustering.k.max");
    if (c.landmarks > 0 && c.landmarks <= c.k_max)
        problem("clustering.landmarks",
                "'clustering.landmarks' (" + std::to_string(c.landmarks) +
                    ") must be larger than 'clustering.k.max' (" + std::to_string(c.k_max) + ")",
                "use a few thousand landmarks, or 0 to cluster every sample");
    if (c.choose_k == ChooseK::Fixed && c.k_min != c.k_max)
        problem("clustering.choose_k", "'clustering.choose_k: fixed' needs k.min == k.max",
                "set k: {min: K, max: K}");

    s.classify.min_probability = num("classify.min_probability");
    s.classify.max_missing_features = num("classify.max_missing_features");
    s.classify.permutations = int(integer("classify.permutations"));
    s.classify.validation_samples = int(integer("classify.validation_samples"));

    auto& k = s.ranking;
    k.enabled = flag("ranking.enabled");
    k.groups = str("ranking.groups");
    k.levels = list("ranking.levels");
    pick("ranking.test", k.test);
    k.covariates = list("ranking.covariates");
    pick("ranking.moderation", k.moderation);
    pick("ranking.p_adjust", k.p_adjust);
    k.fdr = num("ranking.fdr");
    if (c.enabled && c.algorithm == Algorithm::Kmeans && c.distance != Distance::Euclidean)
        problem("clustering.distance", "'clustering.distance: " + name(c.distance) + "' cannot be used with k-means",
                "use algorithm: hc or pam for correlation distances, or distance: euclidean");
    k.endpoint = str("ranking.endpoint");
    const bool cox = k.test == RankTest::Cox;
    if (cox && k.endpoint.empty())
        problem("ranking.test", "'ranking.test: cox' needs 'ranking.endpoint'",
                "name the endpoint of outcomes to rank the features against, e.g. endpoint: os");
    if (!k.endpoint.empty() && !cox)
        problem("ranking.endpoint", "'ranking.endpoint' is set, but ranking.test is " + name(k.test),
                "set ranking.test: cox, or remove ranking.endpoint");
    const std::vector<std::string> endpoints = named_entries(r, "outcomes");
    if (cox && !k.endpoint.empty() && std::find(endpoints.begin(), endpoints.end(), k.endpoint) == endpoints.end())
        problem("ranking.endpoint", "'ranking.endpoint' is '" + k.endpoint + "', not an endpoint of outcomes",
                "name one of outcomes (" + join_choices(endpoints, ", ") + "), or add it there");
    if (cox && !k.covariates.empty())
        problem("ranking.covariates", "'ranking.covariates' is not used by ranking.test: cox",
                "list the covariates under outcomes." + k.endpoint + ".covariates (the endpoint's Cox models use them)");
    if (k.enabled && !cox && k.groups == "subtype" && !c.enabled)
        problem(r.has("ranking.groups") ? "ranking.groups" : "clustering.enabled", "'ranking.groups' is 'subtype' but clustering is off, so there are no subtypes",
                "set ranking.groups to a sheet column, or clustering.enabled: true");
    if (k.groups == "subtype" && !k.levels.empty())
        problem("ranking.levels", "'ranking.levels' orders the values of a sheet column, not subtypes",
                "remove ranking.levels, or set ranking.groups to a column");
    if (k.levels.size() == 1)
        problem("ranking.levels", "'ranking.levels' lists one level", "list at least two");
    if (!k.covariates.empty() && k.test != RankTest::Moderated && !cox)
        problem("ranking.covariates", "'ranking.covariates' cannot be adjusted for with test: " + name(k.test),
                "use test: moderated (limma's linear model) to adjust for covariates, or remove them");
    auto carry = [&](const std::string& col) {
        if (std::find(s.phenotypes.begin(), s.phenotypes.end(), col) == s.phenotypes.end())
            s.phenotypes.push_back(col);
    };
    // outcomes: each endpoint's columns, carried like the other sheet columns that precis reads
    for (const std::string& entry : named_entries(r, "outcomes")) {
        Endpoint ep;
        ep.name = entry;
        const std::string at = "outcomes." + entry + ".";
        auto text = [&](const char* k) { return str((at + k).c_str()); };
        ep.time = text("time"), ep.start = text("start"), ep.end = text("end"), ep.event = text("event");
        ep.event_values = list((at + "event_values").c_str());
        ep.censor_values = list((at + "censor_values").c_str());
        ep.covariates = list((at + "covariates").c_str());
        ep.strata = list((at + "strata").c_str());
        ep.reference = text("reference");
        ep.unit = text("unit");
        const std::string whole = "outcomes." + entry;
        if (ep.event.empty())
            problem(whole, "endpoint '" + entry + "' has no 'event' column",
                    "add event: COLUMN (the sheet column saying whether follow-up ended in the event)");
        if (ep.time.empty() == (ep.start.empty() || ep.end.empty()))
            problem(ep.time.empty() ? whole : at + "time",
                    "endpoint '" + entry + "' needs either 'time' or both 'start' and 'end'",
                    "give the follow-up time column as time: COLUMN, or the start and end date columns (not both)");
        if (!ep.time.empty() && (!ep.start.empty() || !ep.end.empty()))
            problem(at + "time", "endpoint '" + entry + "' has both 'time' and 'start'/'end'", "keep one of them");
        for (const std::string& v : ep.event_values)
            if (std::find(ep.censor_values.begin(), ep.censor_values.end(), v) != ep.censor_values.end())
                problem(at + "event_values", "'" + v + "' is both an event value and a censoring value of endpoint '" +
                                                 entry + "'", "list each value once");
        if (!ep.reference.empty() && (!all_digits(ep.reference) || ep.reference == "0" || ep.reference.size() > 3))
            problem(at + "reference", "'" + at + "reference' is '" + ep.reference + "', not a subtype number",
                    "give the number of a subtype (1, 2, ...), or remove it for the largest subtype");
        for (const std::string* col : {&ep.time, &ep.start, &ep.end, &ep.event})
            if (!col->empty()) carry(*col);
        for (auto& cv : ep.covariates) carry(cv);
        for (auto& cv : ep.strata) carry(cv);
        s.outcomes.push_back(std::move(ep));
    }
    s.survival.pairwise_adjust = str("survival.pairwise_adjust");
    for (const std::string& t : list("survival.at_risk")) {
        double v = 0;
        if (!parse_double(t, v) || !(v >= 0))
            problem("survival.at_risk", "'survival.at_risk' lists '" + t + "', not a time >= 0", "list times, e.g. [0, 365, 730]");
        else
            s.survival.at_risk.push_back(v);
    }
    if (k.enabled && k.groups != "subtype") carry(k.groups);
    if (g.enabled && !g.sex_column.empty()) carry(g.sex_column);
    for (auto& cv : k.covariates) carry(cv);
    if (g.enabled && g.ancestry.enabled) {
        for (int pc = 1; pc <= g.ancestry.pcs; ++pc) carry("PC" + std::to_string(pc));
        if (!g.ancestry.color_by.empty()) carry(g.ancestry.color_by);
    }
    if (c.enabled) {
        if (!c.adjust.batch.empty()) carry(c.adjust.batch);
        for (auto& cv : c.adjust.covariates) carry(cv);
        for (auto& cv : c.adjust.preserve) carry(cv);
    }

    auto& res = s.resources;
    res.nodes = int(integer("resources.nodes"));
    res.ntasks = int(integer("resources.ntasks"));
    res.cpus_per_task = int(integer("resources.cpus_per_task"));
    res.time = str("resources.time");
    res.mem_per_cpu = str("resources.mem_per_cpu");
    res.partition = str("resources.partition");
    res.account = str("resources.account");
    pick("resources.launcher", res.launcher);
    res.save_before = int(integer("resources.save_before"));
    res.template_path = str("resources.template");
    res.sbatch_options = list("resources.sbatch_options");
    for (auto& o : res.sbatch_options)
        if (!is_sbatch_option(o))
            problem("resources.sbatch_options", "'resources.sbatch_options' holds '" + o + "', not an sbatch option "
                    "of the form --name or --name=value",
                    "write options like --qos=long; values of letters, digits and . _ , : @ + - only");
    // they go into #SBATCH lines, which sbatch reads itself: only the forms Slurm documents
    if (!is_slurm_time(res.time))
        problem("resources.time", "'resources.time' is '" + res.time + "', not a Slurm time",
                "write minutes, HH:MM:SS or D-HH:MM:SS, e.g. \"02:00:00\"");
    if (!is_slurm_size(res.mem_per_cpu))
        problem("resources.mem_per_cpu", "'resources.mem_per_cpu' is '" + res.mem_per_cpu + "', not a Slurm size",
                "write a number with K, M, G or T, e.g. 4G");
    for (const char* k : {"resources.partition", "resources.account"})
        if (!is_slurm_names(str(k)))
            problem(k, std::string("'") + k + "' is '" + str(k) + "': Slurm names are letters, digits, '.', '_', '-' "
                       "(a partition list separated by ',')",
                    "write the name as the site's sinfo / sacctmgr shows it");

    for (auto& [key, v] : r.values) s.origins.push_back({key, v.origin});
    for (auto& [key, o] : r.section_origin) s.origins.push_back({key, o});
    return s;
}

StudyConfig resolve_checked(const std::string& text, const std::string& path, const std::vector<std::string>& overrides,
                            std::vector<std::string>& problems, const std::string& output) {
    StudyConfig s;
    s.path = path;
    s.text = text;
    // relative paths become absolute here, so the resolved study means the same from any folder
    std::string dir = fs::absolute(fs::path(path)).parent_path().lexically_normal().string();
    size_t before = problems.size();
    YAML::Node study = load_yaml(text, path, problems);
    if (problems.size() > before) return s;

    Resolver r(problems);
    // the workflow is named by the study or on the command line; its preset goes under the study
    std::string workflow, workflow_origin;
    if (study.IsMap() && study["workflow"] && study["workflow"].IsScalar()) {
        workflow = study["workflow"].as<std::string>();
        workflow_origin = Resolver::at(path, study["workflow"].Mark());
    }
    for (auto& o : overrides)
        if (o.rfind("workflow=", 0) == 0) workflow = o.substr(9), workflow_origin = "--set " + o;
    if (!workflow.empty()) {
        const Preset* preset = nullptr;
        for (auto& p : presets())
            if (p.name == workflow) preset = &p;
        if (!preset) {
            std::vector<std::string> names;
            for (auto& p : presets()) names.push_back(p.name);
            r.problem(workflow_origin, "workflow '" + workflow + "' is not a preset of this version",
                      "use one of: " + join_choices(names, " | "));
        } else {
            std::string pf = "workflows/" + preset->name + ".yaml";
            YAML::Node pn = load_yaml(preset->text, pf, problems);
            if (pn) r.layer(pn, "", pf, dir, true);
        }
    }
    r.layer(study, "", path, dir, false);
    for (auto& o : overrides) {
        // a message names the override; a long one by its start and length
        std::string where = "--set " + (o.size() <= 120 ? o : o.substr(0, 80) + "... (" + bytes_text(o.size()) + ")");
        size_t eq = o.find('=');
        if (eq == std::string::npos || eq == 0) {
            r.problem(where, "an override must look like key=value", "e.g. --set clustering.k.max=8");
            continue;
        }
        std::string key = o.substr(0, eq), val = o.substr(eq + 1);
        const KeyDef* d = find_key(key);
        if (!d && is_section(key)) {  // 'clustering.k=5': the same mistake as 'k: 5' in the file
            r.problem(where, "'" + key + "' is a section of keys, not a value",
                      "set its keys one at a time, e.g. --set " + key + "." + children(key).front() +
                          "=... (keys in '" + key + "': " + join_choices(children(key), ", ") + ")");
            continue;
        }
        if (!d) {
            std::string section = key.find('.') == std::string::npos ? "" : key.substr(0, key.rfind('.'));
            if (!is_section(section)) section = "";
            r.unknown(key, is_section(key) ? key : section, where);
            continue;
        }
        YAML::Node v;
        try {
            v = YAML::Load(val);
        } catch (const YAML::Exception&) {
            v = YAML::Node(val);
        }
        if (!v || v.IsNull()) v = YAML::Node(val);
        KeyDef concrete = *d;  // (a named entry's key under its own path)
        concrete.path = key;
        r.set(concrete, v, where, fs::current_path().string());
    }
    if (!output.empty()) r.set(*find_key("study.output"), YAML::Node(output), "--output " + output, fs::current_path().string());
    // NPX is log2 already: unless the study says otherwise, its transform is none (explicit in the resolved study)
    if (r.get("proteome.format").as<std::string>() == "olink_npx" && !r.has("proteome.transform"))
        r.values["proteome.transform"] = Value{YAML::Node("none"), r.origin("proteome.format", path + ":1:1")};
    // the default output folder, results/<name> beside the study file, is made explicit for the resolved study
    if (!r.has("study.output") && r.has("study.name"))
        r.values["study.output"] =
            Value{YAML::Node(resolve_path(dir, "results/" + r.get("study.name").as<std::string>())),
                  r.origin("study.name", path + ":1:1")};
    s = build(r, s, problems);
    s.resolved = emit_resolved(r, fs::absolute(path).lexically_normal().string(), overrides);
    return s;
}

// resolve_checked, with any yaml-cpp exception a check missed turned into a problem at its line and column
StudyConfig resolve(const std::string& text, const std::string& path, const std::vector<std::string>& overrides,
                    std::vector<std::string>& problems, const std::string& output = {}) {
    try {
        return resolve_checked(text, path, overrides, problems, output);
    } catch (const YAML::Exception& e) {
        problems.push_back(Resolver::at(path, e.mark) + ": " + e.msg + " (fix: correct the YAML there)");
        return StudyConfig{};
    }
}

}  // namespace

StudyConfig resolve_study(const std::string& path, const std::vector<std::string>& overrides,
                          std::vector<std::string>& problems, const std::string& output) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
        problems.push_back(path + ": is a folder (fix: give the study's YAML file)");
        return {};
    }
    // a study is a few kilobytes; refused at once rather than parsed for minutes
    constexpr uintmax_t kMaxStudyBytes = uintmax_t(16) << 20;
    if (const uintmax_t size = fs::file_size(path, ec); !ec && size > kMaxStudyBytes) {
        problems.push_back(path + ":1:1: the study file is " + std::to_string(size) + " bytes (fix: a study is at "
                           "most 16 MiB; give long lists in files, e.g. the sample sheet)");
        return {};
    }
    std::string text;
    try {
        text = read_file(path);
    } catch (const Error&) {
        problems.push_back(path + ": cannot read the study file (fix: check the path and its permissions)");
        return {};
    }
    return resolve(text, path, overrides, problems, output);
}

static std::string joined(const std::vector<std::string>& p) {
    std::string m;
    for (auto& x : p) m += (m.empty() ? "" : "\n") + x;
    return m;
}

StudyConfig load_study(const std::string& path, const std::vector<std::string>& overrides) {
    std::vector<std::string> problems;
    StudyConfig s = resolve_study(path, overrides, problems);
    if (!problems.empty()) throw Error(ErrorKind::Config, joined(problems));
    return s;
}

StudyConfig parse_study(const std::string& text, const std::string& path, const std::vector<std::string>& overrides) {
    std::vector<std::string> problems;
    StudyConfig s = resolve(text, path, overrides, problems);
    if (!problems.empty()) throw Error(ErrorKind::Config, joined(problems));
    return s;
}

namespace {
// A node on one line, whatever style it was written in: {k: v, ...} in file order, [a, b], "scalar", ~.
std::string canonical(const YAML::Node& n) {
    if (n.IsMap()) {
        std::string s;
        for (auto it = n.begin(); it != n.end(); ++it)
            s += (s.empty() ? "" : ", ") + it->first.Scalar() + ": " + canonical(it->second);
        return "{" + s + "}";
    }
    if (n.IsSequence()) {
        std::string s;
        for (const auto& x : n) s += (s.empty() ? "" : ", ") + canonical(x);
        return "[" + s + "]";
    }
    if (!n.IsScalar()) return "~";
    std::string q = "\"";
    for (char c : n.Scalar()) q += c == '"' || c == '\\' ? std::string("\\") + c : std::string(1, c);
    return q + "\"";
}

// The node at path[i..] below `n` ("~" if absent). Lookups are const: an absent key is not added.
std::string yaml_at(const YAML::Node& n, const std::vector<std::string>& path, size_t i) {
    if (!n.IsDefined()) return "~";
    if (i < path.size()) return n.IsMap() ? yaml_at(n[path[i]], path, i + 1) : "~";
    return canonical(n);
}
}  // namespace

namespace {
std::vector<std::string> key_path(const std::string& key) {
    std::vector<std::string> path;
    for (size_t a = 0; a <= key.size();) {
        const size_t b = std::min(key.find('.', a), key.size());
        path.push_back(key.substr(a, b - a));
        a = b + 1;
    }
    return path;
}
}  // namespace

std::string resolved_settings(const std::string& resolved, const std::vector<std::string>& keys) {
    const YAML::Node root = YAML::Load(resolved);
    std::string out;
    for (const auto& key : keys) out += key + ": " + yaml_at(root, key_path(key), 0) + "\n";
    return out;
}

std::string setting_text(const StudyConfig& s, const std::string& key) {
    YAML::Node n = YAML::Load(s.resolved);
    for (const std::string& part : key_path(key)) {
        if (!n.IsMap()) return "";
        const YAML::Node& map = n;  // a const lookup adds no key
        YAML::Node next = map[part];
        if (!next) return "";
        n.reset(next);  // Node's operator= would assign into the tree
    }
    return n.IsScalar() ? n.Scalar() : "";
}

}  // namespace precis
