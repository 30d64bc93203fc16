#include "store/model_file.hpp"

#include <cstdio>
#include <filesystem>

#include "core/error.hpp"
#include "core/files.hpp"
#include "store/h5.hpp"

namespace precis {

namespace {
constexpr const char* kFormat = "precis subtype model";
using h5::Id;

std::vector<double> from_sizes(const std::vector<size_t>& v) { return std::vector<double>(v.begin(), v.end()); }

bool adjustment_fits(const SubtypeModel& m) {
    if (m.adjust_recipe.empty()) return true;
    if (m.adjust_recipe.size() != m.modalities.size() || m.adjust_coefficients.size() != m.modalities.size())
        return false;
    for (size_t i = 0; i < m.modalities.size(); ++i)
        if (m.adjust_coefficients[i].size() != m.feature_ids[i].size() * m.adjust_recipe[i].width()) return false;
    return true;
}
}  // namespace

void write_subtype_model(const std::string& path, const SubtypeModel& m) {
    h5::silence_errors();
    const std::string tmp = path + ".partial";
    {
        (void)create_private_file(tmp);
        Id f(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), "create " + tmp);
        h5::attr_string(f, "format", kFormat);
        h5::attr_int(f, "format_version", m.format_version);
        h5::attr_string(f, "precis_version", m.precis_version);
        h5::attr_string(f, "created", m.created);
        h5::attr_string(f, "study_name", m.study_name);
        h5::attr_string(f, "study_sha256", m.study_sha256);
        h5::attr_int(f, "k", m.k);
        h5::attr_int(f, "samples", long(m.samples));
        h5::write_string_scalar(f, "resolved_study", m.resolved_study);
        {
            Id g = h5::create_group(f, "features");
            h5::write_strings(g, "modalities", m.modalities);
            for (size_t i = 0; i < m.modalities.size(); ++i) h5::write_strings(g, m.modalities[i], m.feature_ids[i]);
        }
        {
            Id g = h5::create_group(f, "preprocessing");
            h5::attr_string(g, "center_method", m.center_method);
            h5::attr_string(g, "adjustment", m.adjustment);
            h5::write_doubles(g, "center", m.center);
            h5::write_doubles(g, "scale", m.scale);
            h5::write_strings(g, "proteome_features", m.proteome_features);
            h5::write_doubles(g, "quantile_reference", m.quantile_reference);
            h5::write_doubles(g, "feature_min", m.feature_min);
            h5::write_doubles(g, "impute_sd", {m.impute_sd});
        }
        if (!m.adjust_recipe.empty()) {  // clustering.adjust: per modality, its recipe and each feature's row
            Id g = h5::create_group(f, "adjustment");
            for (size_t i = 0; i < m.adjust_recipe.size(); ++i) {
                const AdjustRecipe& r = m.adjust_recipe[i];
                Id a = h5::create_group(g, m.modalities[i]);
                h5::attr_string(a, "method", r.method);
                h5::attr_string(a, "batch", r.batch);
                h5::attr_string(a, "ref_batch", r.ref_batch);
                h5::write_strings(a, "batch_levels", r.batch_levels);
                h5::write_strings(a, "covariates", r.covariates);
                for (size_t c = 0; c < r.covariates.size(); ++c)
                    h5::write_strings(a, "levels_" + std::to_string(c), r.covariate_levels[c]);
                h5::write_strings(a, "preserve", r.preserve);
                for (size_t c = 0; c < r.preserve.size(); ++c)
                    h5::write_strings(a, "preserve_levels_" + std::to_string(c), r.preserve_levels[c]);
                h5::write_doubles_2d(a, "coefficients", m.adjust_coefficients[i], m.feature_ids[i].size(), r.width());
                h5::write_strings(a, "coefficient_columns", r.column_names());
            }
        }
        {
            Id g = h5::create_group(f, "classifier");
            h5::attr_string(g, "method", "nearest shrunken centroid");
            const size_t K = size_t(m.fit.k), p = m.fit.p;
            h5::write_doubles(g, "overall", m.fit.overall);
            h5::write_doubles_2d(g, "centroids", m.fit.centroid, K, p);
            h5::write_doubles_2d(g, "shrunken_centroids", m.shrunken, K, p);
            h5::write_doubles(g, "sd", m.fit.sd);
            h5::write_doubles(g, "m", m.fit.m);
            h5::write_doubles(g, "prior", m.fit.prior);
            h5::write_doubles(g, "thresholds", m.thresholds);
            h5::write_doubles(g, "cv_error", m.cv_error);
            h5::write_doubles(g, "cv_log_loss", m.cv_log_loss);
            h5::write_ints(g, "chosen_threshold", {int(m.chosen)});
            h5::write_doubles(g, "n", from_sizes({m.fit.n}));
        }
        h5::check(H5Fclose(f.release()), "write " + tmp);
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0)
        throw_io("cannot rename " + tmp + " to " + path, "check that the output folder is writable and has space");
}

SubtypeModel read_subtype_model(const std::string& path) {
    h5::silence_errors();
    const std::string fix = "give the model/subtype_model.h5 of a finished precis run";
    if (std::error_code ec; !std::filesystem::is_regular_file(path, ec)) throw Error(ErrorKind::Config, path + ": no such model file", fix);
    Id f;
    try {
        f = Id(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "open " + path);
    } catch (const Error&) {
        throw Error(ErrorKind::Config, path + ": not an HDF5 file, so not a precis subtype model", fix);
    }
    SubtypeModel m;
    if (h5::read_attr_string(f, "format") != kFormat)
        throw Error(ErrorKind::Config, path + ": an HDF5 file, but not a precis subtype model", fix);
    try {
        std::vector<double> v;
        {
            Id a(H5Aopen(f, "format_version", H5P_DEFAULT), "read format_version of " + path);
            long fv = 0;
            h5::check(H5Aread(a, H5T_NATIVE_LONG, &fv), "read format_version of " + path);
            m.format_version = int(fv);
        }
        m.precis_version = h5::read_attr_string(f, "precis_version");
        if (m.format_version != SubtypeModel::kFormatVersion)
            throw Error(ErrorKind::Config,
                        path + ": a subtype model of format " + std::to_string(m.format_version) + " (written by precis " +
                            m.precis_version + "); this precis reads format " +
                            std::to_string(SubtypeModel::kFormatVersion),
                        "classify with the precis version that wrote the model, or rerun the training study with this "
                        "one to write a new model");
        m.created = h5::read_attr_string(f, "created");
        m.study_name = h5::read_attr_string(f, "study_name");
        m.study_sha256 = h5::read_attr_string(f, "study_sha256");
        m.resolved_study = h5::read_string_scalar(f, "resolved_study");
        {
            Id g = h5::open_group(f, "features");
            m.modalities = h5::read_strings(g, "modalities");
            for (auto& mod : m.modalities) m.feature_ids.push_back(h5::read_strings(g, mod));
        }
        {
            Id g = h5::open_group(f, "preprocessing");
            m.center_method = h5::read_attr_string(g, "center_method");
            m.adjustment = h5::read_attr_string(g, "adjustment");
            m.center = h5::read_doubles(g, "center");
            m.scale = h5::read_doubles(g, "scale");
            m.proteome_features = h5::read_strings(g, "proteome_features");
            m.quantile_reference = h5::read_doubles(g, "quantile_reference");
            m.feature_min = h5::read_doubles(g, "feature_min");
            v = h5::read_doubles(g, "impute_sd");
            m.impute_sd = v.empty() ? 0.0 : v[0];
        }
        if (h5::exists(f, "adjustment")) {
            Id g = h5::open_group(f, "adjustment");
            for (const std::string& mod : m.modalities) {
                Id a = h5::open_group(g, mod);
                AdjustRecipe r;
                r.method = h5::read_attr_string(a, "method");
                if (r.method.empty()) r.method = "linear";  // (models written before ComBat models)
                if (r.method != "linear" && r.method != "combat")
                    throw Error(ErrorKind::MalformedInput, "unknown adjustment method '" + r.method + "'", fix);
                r.batch = h5::read_attr_string(a, "batch");
                r.ref_batch = h5::read_attr_string(a, "ref_batch");
                r.batch_levels = h5::read_strings(a, "batch_levels");
                r.covariates = h5::read_strings(a, "covariates");
                for (size_t c = 0; c < r.covariates.size(); ++c)
                    r.covariate_levels.push_back(h5::read_strings(a, "levels_" + std::to_string(c)));
                if (h5::exists(a, "preserve")) r.preserve = h5::read_strings(a, "preserve");
                for (size_t c = 0; c < r.preserve.size(); ++c)
                    r.preserve_levels.push_back(h5::read_strings(a, "preserve_levels_" + std::to_string(c)));
                m.adjust_coefficients.push_back(h5::read_doubles(a, "coefficients"));
                m.adjust_recipe.push_back(std::move(r));
            }
        }
        {
            Id g = h5::open_group(f, "classifier");
            std::vector<size_t> dims;
            m.fit.overall = h5::read_doubles(g, "overall");
            m.fit.centroid = h5::read_doubles(g, "centroids", &dims);
            m.fit.k = dims.size() == 2 ? int(dims[0]) : 0;
            m.fit.p = m.fit.overall.size();
            m.shrunken = h5::read_doubles(g, "shrunken_centroids");
            m.fit.sd = h5::read_doubles(g, "sd");
            m.fit.m = h5::read_doubles(g, "m");
            m.fit.prior = h5::read_doubles(g, "prior");
            m.thresholds = h5::read_doubles(g, "thresholds");
            m.cv_error = h5::read_doubles(g, "cv_error");
            m.cv_log_loss = h5::read_doubles(g, "cv_log_loss");
            v = h5::read_doubles(g, "chosen_threshold");
            m.chosen = v.empty() ? 0 : size_t(v[0]);
            v = h5::read_doubles(g, "n");
            m.fit.n = v.empty() ? 0 : size_t(v[0]);
        }
    } catch (const Error& e) {
        if (e.kind() == ErrorKind::Config) throw;
        throw Error(ErrorKind::MalformedInput, path + ": a damaged subtype model (" + e.what() + ")", fix);
    }
    m.k = m.fit.k;
    size_t cols = 0;
    for (auto& ids : m.feature_ids) cols += ids.size();
    const size_t p = m.fit.p, K = size_t(m.k);
    if (K < 2 || cols != p || m.center.size() != p || m.scale.size() != m.modalities.size() || m.fit.sd.size() != p ||
        m.fit.centroid.size() != K * p || m.shrunken.size() != K * p || m.fit.m.size() != K || m.fit.prior.size() != K ||
        !adjustment_fits(m))
        throw Error(ErrorKind::MalformedInput, path + ": a damaged subtype model (its parts do not fit together)", fix);
    return m;
}

}  // namespace precis
