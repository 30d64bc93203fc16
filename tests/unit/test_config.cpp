#include <catch2/catch.hpp>
#include <algorithm>
#include <filesystem>
#include <fstream>

#include "config/sheet.hpp"
#include "config/schema.hpp"
#include "config/study.hpp"
#include "core/error.hpp"

using namespace precis;
namespace fs = std::filesystem;

static const char* kGood = R"(study:
  name: demo
  seed: 5
samples:
  sheet: samples.tsv
  phenotypes: [sex]
proteome:
  path_column: proteome
clustering:
  k: {min: 2, max: 4}
  resamples: 10
)";

TEST_CASE("a valid study gets defaults and resolved paths") {
    StudyConfig s = parse_study(kGood, "/data/study/study.yaml");
    CHECK(s.name == "demo");
    CHECK(s.seed == 5);
    CHECK(s.output == "/data/study/results/demo");
    CHECK(s.resolved.find("output: \"/data/study/results/demo\"") != std::string::npos);
    CHECK(s.sheet == "/data/study/samples.tsv");
    CHECK(s.proteome.enabled);
    CHECK_FALSE(s.genome.enabled);
    CHECK(s.clustering.k_max == 4);
    CHECK(s.clustering.item_fraction == 0.8);
    CHECK(s.clustering.modalities == std::vector<Modality>{Modality::Proteome});
    CHECK(s.ranking.groups == "subtype");
}

TEST_CASE("every problem is reported at once, with line and column") {
    const char* bad = R"(study:
  name: "bad name"
  on_sample_error: ignore
samples:
  sheet: samples.tsv
proteome:
  path_colum: proteome
clustering:
  k: {min: 5, max: 3}
  item_fraction: 1.5
  resamples: many
)";
    try {
        parse_study(bad, "s.yaml");
        FAIL("no error");
    } catch (const Error& e) {
        std::string m = e.what();
        CHECK(e.kind() == ErrorKind::Config);
        CHECK(m.find("s.yaml:2:9: 'study.name' is 'bad name'") != std::string::npos);
        CHECK(m.find("s.yaml:3:20: 'study.on_sample_error' is 'ignore'") != std::string::npos);
        CHECK(m.find("s.yaml:7:3: unknown key 'proteome.path_colum'") != std::string::npos);
        CHECK(m.find("did you mean 'proteome.path_column'?") != std::string::npos);
        CHECK(m.find("larger than 'clustering.k.max'") != std::string::npos);
        CHECK(m.find("s.yaml:10:18: 'clustering.item_fraction' is 1.5, outside the range") != std::string::npos);
        CHECK(m.find("s.yaml:11:14: 'clustering.resamples' is 'many' (fix: use a whole number >= 1)") != std::string::npos);
    }
}

TEST_CASE("YAML syntax errors point at the place") {
    try {
        parse_study("study: {name: x\nsamples: [", "y.yaml");
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(std::string(e.what()).rfind("y.yaml:", 0) == 0);
    }
}

// The problems parse_study reports for a study text (and overrides), "" if it is valid.
static std::string problems_of(const std::string& text, const std::vector<std::string>& overrides = {}) {
    try {
        parse_study(text, "h.yaml", overrides);
        return "";
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::Config);
        return e.what();
    }
}

TEST_CASE("hostile values: long strings, sections given a value, repeated keys, several documents, old Mac lines") {
    const std::string big(100000, 'a');
    // a long value is refused by its length (std::regex overflowed the stack on these)
    CHECK_THAT(problems_of(std::string(kGood) + "resources: {partition: " + big + "}\n"),
               Catch::Contains("h.yaml:12:24: 'resources.partition' is 100000 bytes long (fix: use a value of at most 4096"));
    CHECK_THAT(problems_of(kGood, {"study.name=" + big}),
               Catch::Contains("'study.name' is 100000 bytes long (fix: use a name of at most 200 bytes)"));
    CHECK_THAT(problems_of(kGood, {"resources.mem_per_cpu=" + std::string(4000, '1')}),
               Catch::Contains("not a Slurm size"));
    CHECK_THAT(problems_of(kGood, {"resources.time=" + std::string(4000, '1') + ":"}), Catch::Contains("not a Slurm time"));
    CHECK(problems_of(kGood, {"resources.time=1-02:03:04", "resources.mem_per_cpu=4G", "resources.partition=a,b.c"}) == "");
    CHECK_THAT(problems_of(kGood, {"resources.time=1:2:3:4"}), Catch::Contains("not a Slurm time"));
    CHECK_THAT(problems_of(kGood, {"resources.sbatch_options=[--qos=long, --Bad]"}),
               Catch::Contains("holds '--Bad', not an sbatch option"));
    CHECK_THAT(problems_of(kGood, {"resources.sbatch_options=[--qos=]"}), Catch::Contains("not an sbatch option"));
    // a section given a value on the command line: exit 2 naming the override, as in the file
    for (const char* o : {"clustering.k=5", "clustering={}", "genome.qc=~", "resources=1"})
        CHECK_THAT(problems_of(kGood, {o}), Catch::Contains(std::string("--set ") + o + ": '") &&
                                                Catch::Contains("is a section of keys, not a value"));
    // a repeated key or section is an error at its second line, not "last wins" or a merge
    CHECK_THAT(problems_of(std::string(kGood) + "study:\n  seed: 6\n"),
               Catch::Contains("h.yaml:12:1: 'study' is given twice (first on line 1)"));
    CHECK_THAT(problems_of(std::string(kGood) + "  resamples: 20\n"),
               Catch::Contains("h.yaml:12:3: 'clustering.resamples' is given twice (first on line 11)"));
    CHECK_THAT(problems_of(std::string(kGood) + "---\nstudy: {name: other}\n"),
               Catch::Contains("h.yaml:12:1: a second YAML document"));
    CHECK_THAT(problems_of(std::string(kGood) + "---\n"), Catch::Contains("h.yaml:12:1: a second YAML document"));
    std::string mac(kGood);
    std::replace(mac.begin(), mac.end(), '\n', '\r');
    CHECK_THAT(problems_of(mac), Catch::Contains("h.yaml:1: a carriage return ends a line without a line feed"));
    std::string dos;
    for (char c : std::string(kGood)) dos += c == '\n' ? std::string("\r\n") : std::string(1, c);
    CHECK(problems_of(dos) == "");
    // a NUL would cut a path short
    CHECK_THAT(problems_of(kGood, {"study.output=\"a\\0b\""}),
               Catch::Contains("'study.output' holds a NUL byte"));
    // an alias is reported at its key's line, not at its anchor's
    std::string aliased(kGood);
    aliased.replace(aliased.find("proteome:\n"), 0, "  id_column: &bad many\n");
    aliased.replace(aliased.find("resamples: 10"), 13, "resamples: *bad");
    CHECK_THAT(problems_of(aliased), Catch::Contains("h.yaml:12:3: 'clustering.resamples' is 'many'"));
    // the seed takes all 64 bits
    CHECK(parse_study(kGood, "h.yaml", {"study.seed=18446744073709551615"}).seed == 18446744073709551615ULL);
    CHECK_THAT(problems_of(kGood, {"study.seed=18446744073709551616"}),
               Catch::Contains("'study.seed' is 18446744073709551616, too large (fix: use at most 18446744073709551615)"));
    CHECK_THAT(problems_of(kGood, {"clustering.resamples=9223372036854775808"}), Catch::Contains("too large"));
    CHECK_THAT(problems_of(kGood, {"clustering.resamples=3000000000"}),
               Catch::Contains("'clustering.resamples' is 3000000000, too large (fix: use at most 2147483647)"));
}

TEST_CASE("sample sheets: duplicates, empty ids and missing columns are listed with lines") {
    auto dir = fs::temp_directory_path() / "precis_sheet_test";
    fs::create_directories(dir);
    std::ofstream(dir / "samples.tsv") << "sample_id\tproteome\tsex\nA\ta.tsv\tF\n\tb.tsv\tM\nA\tc.tsv\tF\n0012\td.tsv\tM\n";
    StudyConfig s = parse_study(kGood, (dir / "study.yaml").string());
    try {
        load_sheet(s);
        FAIL("no error");
    } catch (const Error& e) {
        std::string m = e.what();
        CHECK(m.find("samples.tsv:3: empty sample id") != std::string::npos);
        CHECK(m.find("samples.tsv:4: duplicate sample id 'A', first on line 2") != std::string::npos);
    }
    std::ofstream(dir / "samples.tsv") << "sample_id,proteome,sex\n0012,d.tsv,M\n";
    SampleSheet sh = load_sheet(s);
    REQUIRE(sh.size() == 1);
    CHECK(sh.id(0) == "0012");
    CHECK(sh.proteome(0) == (dir / "d.tsv").string());
    CHECK(sh.entry(0).phenotypes == std::vector<std::string>{"M"});
    CHECK(sh.proteomes.tail[0] == "d.tsv");  // kept without the sheet's folder
    CHECK(sh.line(0) == 2);
    std::ofstream(dir / "samples.tsv") << "id\tproteome\nA\ta.tsv\n";
    CHECK_THROWS_WITH(load_sheet(s), Catch::Contains("no column 'sample_id'"));
}

TEST_CASE("layers: defaults, then the preset, then the study, then --set - each value knows where it came from") {
    const char* text = R"(workflow: subtype-discovery
study:
  name: layered
samples:
  sheet: s.tsv
proteome:
  path_column: p
clustering:
  resamples: 10
)";
    StudyConfig s = parse_study(text, "/d/study.yaml", {"clustering.k.min=3"});
    CHECK(s.workflow == "subtype-discovery");
    CHECK(s.clustering.k_max == 8);          // preset (default is 6)
    CHECK(s.clustering.resamples == 10);     // study over preset (1000)
    CHECK(s.clustering.k_min == 3);          // --set over everything
    CHECK(s.clustering.item_fraction == 0.8);
    CHECK(s.max_missing == 0.2);
    CHECK(s.origin_of("clustering.k.max").rfind("workflows/subtype-discovery.yaml:", 0) == 0);
    CHECK(s.origin_of("clustering.resamples") == "/d/study.yaml:9:14");
    CHECK(s.origin_of("clustering.k.min") == "--set clustering.k.min=3");
    CHECK(s.is_set("clustering.k.max"));
    CHECK(s.is_set("ranking.fdr"));  // by the preset
    CHECK_FALSE(s.is_set("ranking.test"));

    StudyConfig qc = parse_study(text, "/d/study.yaml", {"workflow=qc-only"});
    CHECK_FALSE(qc.clustering.enabled);
    CHECK_FALSE(qc.ranking.enabled);
    StudyConfig cc = parse_study(text, "/d/study.yaml", {"workflow=case-control", "ranking.groups=status"});
    CHECK(cc.ranking.groups == "status");
    CHECK(cc.ranking.levels == std::vector<std::string>{"control", "case"});
    CHECK(std::find(cc.phenotypes.begin(), cc.phenotypes.end(), "status") != cc.phenotypes.end());
}

TEST_CASE("the resolved study resolves to itself and means the same from any folder") {
    const char* text = R"(workflow: case-control
study:
  name: rt
  seed: 7
samples:
  sheet: sheet.tsv
  phenotypes: [sex]
genome:
  path_column: vcf
  qc: {min_call_rate: 0.95}
  features:
    gene_burden: {genes: ../ref/genes.bed, max_af: 0.01}
proteome:
  path_column: prot
clustering:
  modalities: [proteome, {genome: 0.5}]
)";
    StudyConfig a = parse_study(text, "/data/s1/study.yaml", {"ranking.fdr=0.1"});
    CHECK(a.genome.genes_bed == "/data/ref/genes.bed");
    CHECK(a.output == "/data/s1/results/rt");
    StudyConfig b = parse_study(a.resolved, "/elsewhere/results/rt/study.resolved.yaml");
    auto body = [](const std::string& y) { return y.substr(y.find("\nstudy:")); };  // past the header comment
    CHECK(body(b.resolved) == body(a.resolved));
    CHECK(b.genome.genes_bed == a.genome.genes_bed);
    CHECK(b.sheet == "/data/s1/sheet.tsv");
    CHECK(b.output == a.output);
    CHECK(b.ranking.fdr == 0.1);
    CHECK(b.seed == 7);
    CHECK(b.clustering.weights == std::vector<double>{1.0, 0.5});
    CHECK(b.ranking.levels == std::vector<std::string>{"control", "case"});
    CHECK(a.resolved.find("with --set ranking.fdr=0.1") != std::string::npos);
}

TEST_CASE("the schema knows every key of the contract") {
    for (const char* k :
         {"study.name", "study.seed", "study.output", "study.on_sample_error", "workflow", "samples.sheet",
          "samples.id_column", "samples.phenotypes", "genome.path_column", "genome.cohort_file",
          "genome.qc.min_call_rate", "genome.features.gene_burden.genes", "genome.features.gene_burden.max_af",
          "genome.features.scores", "proteome.path_column", "proteome.cohort_file", "proteome.format",
          "proteome.id_column", "proteome.value_column", "proteome.transform", "proteome.normalize", "proteome.impute",
          "proteome.qc.min_detected_fraction", "cohort.max_missing", "clustering.modalities",
          "clustering.top_variable", "clustering.center", "clustering.algorithm", "clustering.distance",
          "clustering.linkage", "clustering.k.min", "clustering.k.max", "clustering.resamples",
          "clustering.item_fraction", "clustering.feature_fraction", "clustering.choose_k", "ranking.groups",
          "ranking.levels", "ranking.test", "ranking.covariates", "ranking.fdr", "resources.nodes",
          "resources.ntasks", "resources.cpus_per_task", "resources.time", "resources.mem_per_cpu",
          "resources.partition", "resources.account"})
        CHECK(find_key(k) != nullptr);
    CHECK(schema_markdown().find("| `clustering.k.max` | whole number >= 2 | `6` |") != std::string::npos);
}

TEST_CASE("outcomes: named endpoints, their keys, defaults and --set, resolved in name order") {
    const std::string text = std::string(kGood) + R"(outcomes:
  pfs: {start: entry_date, end: last_date, event: progressed, event_values: [yes], censor_values: [no]}
  os:
    time: os_days
    event: death
    covariates: [age, sex]
)";
    StudyConfig s = parse_study(text, "/d/study.yaml", {"outcomes.os.strata=[site]", "outcomes.os.unit=months"});
    REQUIRE(s.outcomes.size() == 2);
    const Endpoint& os = s.outcomes[0];  // by name
    CHECK(os.name == "os");
    CHECK(os.time == "os_days");
    CHECK(os.event == "death");
    CHECK(os.event_values == std::vector<std::string>{"1"});
    CHECK(os.censor_values == std::vector<std::string>{"0"});
    CHECK(os.covariates == std::vector<std::string>{"age", "sex"});
    CHECK(os.strata == std::vector<std::string>{"site"});
    CHECK(os.unit == "months");
    CHECK(s.outcomes[1].name == "pfs");
    CHECK(s.outcomes[1].start == "entry_date");
    CHECK(s.outcomes[1].event_values == std::vector<std::string>{"yes"});
    // the endpoints' columns are read from the sheet like the phenotypes
    for (const char* col : {"os_days", "death", "age", "site", "entry_date", "last_date", "progressed"})
        CHECK(std::find(s.phenotypes.begin(), s.phenotypes.end(), col) != s.phenotypes.end());
    CHECK(s.origin_of("outcomes.os.time") == "/d/study.yaml:15:11");
    // the resolved study holds each endpoint whole, and resolves to itself
    const StudyConfig b = parse_study(s.resolved, "/e/study.resolved.yaml");
    CHECK(b.resolved.substr(b.resolved.find("\nstudy:")) == s.resolved.substr(s.resolved.find("\nstudy:")));
    REQUIRE(b.outcomes.size() == 2);
    CHECK(b.outcomes[0].strata == std::vector<std::string>{"site"});
    CHECK(s.resolved.find("outcomes:\n  os:\n    time: \"os_days\"") != std::string::npos);
    CHECK(find_key("outcomes.os.time") == find_key("outcomes.<name>.time"));
    CHECK(find_key("outcomes.o s.time") == nullptr);
}

TEST_CASE("outcomes: what an endpoint lacks or gives twice is named") {
    auto with = [](const std::string& outcomes) { return problems_of(std::string(kGood) + "outcomes:\n" + outcomes); };
    CHECK(with("  os: {time: t}\n").find("endpoint 'os' has no 'event' column") != std::string::npos);
    CHECK(with("  os: {event: e}\n").find("needs either 'time' or both 'start' and 'end'") != std::string::npos);
    CHECK(with("  os: {event: e, start: a}\n").find("needs either 'time' or both") != std::string::npos);
    CHECK(with("  os: {event: e, time: t, start: a, end: b}\n").find("has both 'time' and 'start'/'end'") !=
          std::string::npos);
    CHECK(with("  os: {event: e, time: t, event_values: [x], censor_values: [x]}\n")
              .find("'x' is both an event value and a censoring value") != std::string::npos);
    CHECK(with("  os: {event: e, time: t, reference: big}\n").find("not a subtype number") != std::string::npos);
    CHECK(with("  os: {event: e, time: t, tme: u}\n").find("unknown key 'outcomes.os.tme'") != std::string::npos);
    CHECK(with("  os: 5\n").find("'outcomes.os' must be a mapping") != std::string::npos);
    CHECK(problems_of(std::string(kGood) + "survival: {at_risk: [0, x]}\n").find("not a time >= 0") !=
          std::string::npos);
}
