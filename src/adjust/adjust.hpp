// Confounder adjustment of a samples x features matrix, one feature at a time: limma's removeBatchEffect (a linear
// model per feature, the batch and covariate terms subtracted) and sva's parametric ComBat (location/scale batch
// effects shrunk by empirical Bayes across features). No MPI here: ComBat's empirical Bayes step needs summaries of
// every feature, so it comes in three steps that the pipeline runs on feature blocks with one allgather between
// (docs/adjustment.md).
#pragma once
#include <Eigen/Dense>
#include <cstddef>
#include <string>
#include <vector>

namespace precis {

// A factor over the samples: each sample's level (0-based), and the level names in order.
struct Factor {
    std::vector<int> code;
    std::vector<std::string> levels;
};
// The levels of `values` in sorted order (as R's factor() in the C locale); every value must be present.
Factor make_factor(const std::vector<std::string>& values);
// R's model.matrix columns of a factor with contr.sum: level l < L-1 is 1 in column l, the last level -1 everywhere.
Eigen::MatrixXd sum_contrasts(const Factor& f);
// The rank of X (column-pivoting QR with R's tolerance, 1e-7 relative to the largest pivot).
long design_rank(const Eigen::MatrixXd& X);

// limma removeBatchEffect(x, batch, covariates, design): each feature is fitted on [keep remove] by least squares
// (on its observed samples) and remove * beta_remove is subtracted; missing values stay missing. Coefficients that
// the observed samples cannot estimate count as 0 (limma sets NA coefficients to 0).
class LinearRemoval {
public:
    // keep: n x p (the design whose effects stay; an intercept column at least); remove: n x q. [keep remove] must
    // have full column rank (checked by the caller with design_rank, which names the confounded keys).
    LinearRemoval(Eigen::MatrixXd keep, Eigen::MatrixXd remove);
    void apply(double* y) const;  // one feature over the n samples, in place
    // the removed terms' coefficients of one feature (0 where its observed samples cannot estimate them)
    Eigen::VectorXd coefficients(const double* y) const;
    void subtract(const Eigen::VectorXd& beta_r, double* y) const;  // apply with coefficients already found
    size_t samples() const { return size_t(X_.rows()); }

private:
    Eigen::MatrixXd X_;  // [keep remove]
    long p_ = 0;         // columns of keep
    Eigen::MatrixXd P_;  // rows of (X'X)^-1 X' for the removed coefficients
};

// sva ComBat(dat, batch, mod, par.prior = TRUE, mean.only, ref.batch), one feature at a time.
class Combat {
public:
    // batch: each sample's batch (every batch with >= 2 samples: the caller refuses smaller ones); mod: n x m
    // covariates whose effects are kept (no intercept column); ref: the reference batch or -1.
    Combat(Factor batch, Eigen::MatrixXd mod, int ref, bool mean_only);
    size_t batches() const { return batch_.levels.size(); }
    size_t samples() const { return batch_.code.size(); }

    // Step 1, per feature: the fit and the standardised values' summaries per batch.
    struct Feature {
        bool adjusted = false;    // false: constant within a batch, or too few observed values; left as it is
        Eigen::VectorXd beta;     // the fit on [batch indicators, mod]
        double sd = 0;            // sqrt(var.pooled)
        std::vector<double> n, mean, ss;  // per batch: observed values, mean and centred sum of squares of s.data
        std::vector<double> gamma_hat, delta_hat;
        std::vector<double> gamma_star, delta_star;  // set by posterior()
    };
    // any_missing: whether the whole matrix has a missing value (sva then pools each feature's variance over n - 1).
    Feature summarize(const double* y, bool any_missing) const;
    // Step 2, on the summaries of every feature (in feature order, so that any split over processes gives the same
    // numbers): the priors of each batch and the posterior batch effects.
    void posterior(std::vector<Feature>& all) const;
    // Step 3, per feature: the adjusted values, in place.
    void apply(const Feature& f, double* y) const;
    // the summaries as doubles (for an allgather) and back
    size_t flat_size() const;
    void flatten(const Feature& f, std::vector<double>& out) const;
    Feature unflatten(const double* in) const;
    // What a new sample of a known batch needs (the subtype model): a fitted feature's standardisation mean before
    // the covariates (the batch-size-weighted mean of the batch coefficients, or the reference batch's), and its
    // coefficients of mod's columns. NaN / empty before the feature is fitted.
    double grand_mean(const Feature& f) const;
    Eigen::VectorXd mod_coefficients(const Feature& f) const;
    int reference() const { return ref_; }

private:
    Eigen::VectorXd stand_mean(const Feature& f) const;  // grand mean plus the kept covariates' effects
    Factor batch_;
    std::vector<std::vector<size_t>> members_;
    Eigen::MatrixXd design_;  // n x (B + m): batch indicators (the reference batch's column all ones), mod
    int ref_ = -1;
    bool mean_only_ = false;
    Eigen::MatrixXd P_;       // (X'X)^-1 X' of the design
    Eigen::MatrixXd Pb_;      // the same for the batch columns alone
};

// ComBat's adjustment of one new value y of a fitted feature, for a sample of batch b with covariate row z (mod's
// columns, m of them): as Combat::apply does for the cohort's samples, standardised by the cohort's mean and pooled
// sd, the batch's posterior location gamma and scale delta removed.
double combat_adjust_value(double y, double grand, const double* mod_coefficients, const double* z, size_t m,
                           double sd, double gamma, double delta);

}  // namespace precis
