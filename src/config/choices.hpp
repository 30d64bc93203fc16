// The values of every choice key of the study, one list each: an enum and its names, in the enum's order. The
// schema (validation, defaults, `precis keys`, docs/study-keys.md) takes its allowed values from here, the structs of
// study.hpp hold the enums, and whatever prints a choice (the resolved study, messages, the report) prints name(e).
// Adding a value: add it to the enum and to its names, at the same place.
#pragma once
#include <array>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace precis {

template <class E>
struct ChoiceNames;  // ChoiceNames<E>::names: the spelling of each value of E, in order

#define PRECIS_CHOICE(E, ...)                                   \
    template <>                                                 \
    struct ChoiceNames<E> {                                     \
        static constexpr std::array<const char*, std::initializer_list<const char*>{__VA_ARGS__}.size()> names{ \
            __VA_ARGS__};                                           \
    };

enum class OnSampleError { Fail, Skip };
PRECIS_CHOICE(OnSampleError, "fail", "skip")
enum class Frequencies { Auto, Cohort, InfoAf, None };
PRECIS_CHOICE(Frequencies, "auto", "cohort", "info_af", "none")
enum class XPar { Auto, GRCh37, GRCh38, None };
PRECIS_CHOICE(XPar, "auto", "GRCh37", "GRCh38", "none")
enum class BurdenAf { Info, Cohort };
PRECIS_CHOICE(BurdenAf, "info", "cohort")
enum class Annotation { Auto, Csq, Ann };
PRECIS_CHOICE(Annotation, "auto", "csq", "ann")
enum class ScoreMissing { Mean, Zero };
PRECIS_CHOICE(ScoreMissing, "mean", "zero")
enum class ProteomeFormat { Tsv, OlinkNpx, MaxQuant };
PRECIS_CHOICE(ProteomeFormat, "tsv", "olink_npx", "maxquant")
enum class Measure { LfqIntensity, Intensity, Ibaq };
PRECIS_CHOICE(Measure, "LFQ intensity", "Intensity", "iBAQ")
enum class BelowLod { Keep, Missing };
PRECIS_CHOICE(BelowLod, "keep", "missing")
enum class Transform { Log2, None };
PRECIS_CHOICE(Transform, "log2", "none")
enum class Normalize { None, Median, Quantile, PlateMedian };
PRECIS_CHOICE(Normalize, "none", "median", "quantile", "plate_median")
enum class Impute { None, HalfMin, MinProb, Knn };
PRECIS_CHOICE(Impute, "none", "half_min", "min_prob", "knn")
enum class Center { None, Median, Mean };
PRECIS_CHOICE(Center, "none", "median", "mean")
enum class Algorithm { Kmeans, Hc, Pam };
PRECIS_CHOICE(Algorithm, "kmeans", "hc", "pam")
enum class Distance { Euclidean, Pearson, Spearman };
PRECIS_CHOICE(Distance, "euclidean", "pearson", "spearman")
enum class LinkageMethod { Average, Complete, Single, WardD, WardD2 };
PRECIS_CHOICE(LinkageMethod, "average", "complete", "single", "ward.D", "ward.D2")
enum class ChooseK { Pac, DeltaArea, Silhouette, Fixed, Null };
PRECIS_CHOICE(ChooseK, "pac", "delta_area", "silhouette", "fixed", "null")
enum class AdjustMethod { Linear, Combat };
PRECIS_CHOICE(AdjustMethod, "linear", "combat")
enum class RankTest { Welch, Moderated, Wilcoxon, Kruskal, Cox };
PRECIS_CHOICE(RankTest, "welch", "moderated", "wilcoxon", "kruskal", "cox")
enum class Moderation { Standard, Trend, Robust, TrendRobust };
PRECIS_CHOICE(Moderation, "standard", "trend", "robust", "trend_robust")
enum class PAdjust { BH, BY };
PRECIS_CHOICE(PAdjust, "BH", "BY")
enum class Launcher { Srun, Mpirun };
PRECIS_CHOICE(Launcher, "srun", "mpirun")

// Not study keys, but spelled the same way in the study (clustering.modalities) and in the outputs.
enum class Modality { Genome, Proteome };
PRECIS_CHOICE(Modality, "genome", "proteome")
// A sample's modality that is present: passed QC, failed a QC threshold, or could not be processed.
enum class SampleStatus { Pass, Fail, Error };
PRECIS_CHOICE(SampleStatus, "pass", "fail", "error")

#undef PRECIS_CHOICE

// How a value is spelled in a study.
template <class E>
std::string name(E e) {
    return ChoiceNames<E>::names.at(size_t(e));
}
// The value a study's text names; false if it names none.
template <class E>
bool parse_choice(std::string_view text, E& e) {
    const auto& n = ChoiceNames<E>::names;
    for (size_t i = 0; i < n.size(); ++i)
        if (text == n[i]) {
            e = E(i);
            return true;
        }
    return false;
}
// Every spelling, in order (the schema's allowed values).
template <class E>
std::vector<std::string> choice_names() {
    return {ChoiceNames<E>::names.begin(), ChoiceNames<E>::names.end()};
}

}  // namespace precis
