// `precis classify MODEL STUDY.yaml [--output DIR]` (pipeline/classify.cpp, docs/classify.md).
#pragma once
#include <string>
#include <vector>

#include "classify/model.hpp"
#include "pipeline/run.hpp"

namespace precis {

class Comm;
struct Inputs;
struct LocalFeatures;

struct ClassifyOptions {
    std::string model;  // model/subtype_model.h5 of a finished run
    RunOptions run;     // the study of the new samples, --output, --set, --threads, --fresh
};
// Collective. Returns 0; throws AgreedError when it cannot finish.
int classify_study(Comm& comm, const ClassifyOptions& opt);

// One sample's values of the model's features, per modality (NaN: missing), made as the cohort's were: the
// proteome's cohort steps with the model's references.
struct ModelValues {
    std::vector<std::vector<double>> values;
};
ModelValues model_values(const SubtypeModel& m, const Inputs& in, const LocalFeatures& local, uint64_t sheet_index);
// The values as the clustered matrix's row: rounded to the store's float, missing values set to the model's centre,
// centred, weighted. `missing` gets the number of missing features.
std::vector<double> prepare_for_model(const SubtypeModel& m, const ModelValues& v, long& missing);

// validation.tsv: per subtype, its samples, IGP and the permutation p-value.
struct IgpRow {
    int subtype;
    long n;
    double igp, p_value;
};
std::vector<IgpRow> validate_subtypes(const SubtypeModel& m, const Matrix& X, const std::vector<int>& labels,
                                      int permutations, uint64_t seed);

}  // namespace precis
