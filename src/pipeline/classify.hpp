// `precis classify MODEL STUDY.yaml [--output DIR]` (pipeline/classify.cpp, docs/classify.md).
#pragma once
#include <string>
#include <vector>

#include "classify/model.hpp"
#include "pipeline/inputs.hpp"
#include "pipeline/run.hpp"

namespace precis {

class Comm;
struct Inputs;

struct ClassifyOptions {
    std::string model;  // model/subtype_model.h5 of a finished run
    RunOptions run;     // the study of the new samples, --output, --set, --threads, --fresh
};
// Collective. Returns 0; throws AgreedError when it cannot finish.
int classify_study(Comm& comm, const ClassifyOptions& opt);

// A sample's sheet columns as clustering.adjust coded the cohort's (AdjustRecipe).
struct AdjustTerms {
    size_t batch = 0;                 // its batch among the recipe's levels (batch_levels.size(): none of them)
    std::vector<double> removed;      // linear: the removed terms (batch contrasts, covariates)
    std::vector<double> mod, covariates;  // combat: mod's row (preserve's terms, the covariates'), the covariates'
};
// One sample's values of the model's features, per modality (NaN: missing), made as the cohort's were: the
// proteome's cohort steps with the model's references.
struct ModelValues {
    std::vector<std::vector<double>> values;
    std::vector<AdjustTerms> terms;  // adjusted models: per modality
    std::string problem;             // why the sample's columns cannot be coded ("" when they can)
};
// The lookups model_values needs, made once for many samples: where each of the model's features is, and, per id
// list (the samples of one cohort file share one), where its proteins are among the cohort's.
struct ModelLookup {
    std::vector<std::vector<long>> genome_at;  // per modality: the model feature's column in the genome row
    std::vector<long> proteome_pick;           // the model's proteome features among the cohort's proteins
    FeaturePositions cohort_proteins;          // a sample's proteins among the cohort's (the model's lacks: absent)
};
ModelLookup model_lookup(const SubtypeModel& m, const Inputs& in);
ModelValues model_values(const SubtypeModel& m, const Inputs& in, const LocalFeatures& local, uint64_t sheet_index,
                         ModelLookup& lookup);
// The values as the clustered matrix's row: rounded to the store's float, missing values set to the model's centre,
// centred, weighted. `missing` gets the number of missing features. Only for values without a problem.
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
