#include "store/store.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <numeric>

#include "core/error.hpp"
#include "core/files.hpp"
#include "core/memory.hpp"
#include "store/h5.hpp"

namespace precis {

using h5::check;
using h5::Id;

struct MatrixReader::Impl {
    Id file;
    std::string path;
};

MatrixReader::MatrixReader(const std::string& path) : impl_(new Impl) {
    h5::silence_errors();
    impl_->path = path;
    impl_->file = Id(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "open " + path);
}

MatrixReader::~MatrixReader() = default;

std::pair<size_t, size_t> MatrixReader::shape(const std::string& modality) const {
    Id d(H5Dopen2(impl_->file, ("mod/" + modality + "/X").c_str(), H5P_DEFAULT), "open mod/" + modality + "/X");
    Id s(H5Dget_space(d), "get dataspace");
    hsize_t dims[2] = {0, 0};
    check(H5Sget_simple_extent_dims(s, dims, nullptr), "read shape");
    return {dims[0], dims[1]};
}

namespace {
// rows [r0, r1) x columns [c0, c1) of mod/<modality>/X, row-major, into `out` (room for them)
void read_rectangle(hid_t file, const std::string& path, const std::string& modality, size_t r0, size_t r1, size_t c0,
                    size_t c1, float* out) {
    Id d(H5Dopen2(file, ("mod/" + modality + "/X").c_str(), H5P_DEFAULT), "open X");
    Id fs(H5Dget_space(d), "get dataspace");
    hsize_t start[2] = {r0, c0}, count[2] = {r1 - r0, c1 - c0};
    check(H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, nullptr, count, nullptr), "select a block of the matrix");
    Id ms(H5Screate_simple(2, count, nullptr), "create memory space");
    check(H5Dread(d, H5T_NATIVE_FLOAT, ms, fs, H5P_DEFAULT, out), "read mod/" + modality + "/X from " + path);
}
}  // namespace

std::vector<float> MatrixReader::read_features(const std::string& modality, size_t c0, size_t c1) const {
    auto [rows, cols] = shape(modality);
    if (c0 > c1 || c1 > cols) throw Error(ErrorKind::Internal, "column block out of range");
    const size_t w = c1 - c0;
    std::vector<float> out;
    resize_huge(out, rows * w);
    if (out.empty()) return out;
    // a few rows at a time (at most ~16 MB), each transposed into place in tiles that stay in cache: the block is
    // held once, not twice, while it is read
    const size_t step = std::max<size_t>(1, (size_t(16) << 20) / (w * sizeof(float)));
    std::vector<float> buf;
    constexpr size_t T = 64;
    for (size_t r0 = 0; r0 < rows; r0 += step) {
        const size_t r1 = std::min(rows, r0 + step);
        buf.resize((r1 - r0) * w);
        read_rectangle(impl_->file, impl_->path, modality, r0, r1, c0, c1, buf.data());
        for (size_t i0 = r0; i0 < r1; i0 += T)
            for (size_t j0 = 0; j0 < w; j0 += T)
                for (size_t i = i0; i < std::min(r1, i0 + T); ++i)
                    for (size_t j = j0; j < std::min(w, j0 + T); ++j) out[j * rows + i] = buf[(i - r0) * w + j];
    }
    return out;
}

void MatrixReader::read_rows(const std::string& modality, size_t r0, size_t r1, std::vector<float>& out) const {
    auto [rows, cols] = shape(modality);
    if (r0 > r1 || r1 > rows) throw Error(ErrorKind::Internal, "row block out of range");
    out.resize((r1 - r0) * cols);
    if (!out.empty()) read_rectangle(impl_->file, impl_->path, modality, r0, r1, 0, cols, out.data());
}

namespace {
// A text column's categories: its values' sorted distinct ones, neither empty nor NA (in n log n: a text column may
// have n categories); and a value's code among them (-1: none, a missing value).
std::vector<std::string> text_categories(std::vector<std::string> values) {
    const auto missing = [](const std::string& s) { return s.empty() || s == "NA"; };
    values.erase(std::remove_if(values.begin(), values.end(), missing), values.end());
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    return values;
}
int code_among(const std::vector<std::string>& categories, const std::string& s) {
    const auto it = std::lower_bound(categories.begin(), categories.end(), s);
    return it == categories.end() || *it != s ? -1 : int(it - categories.begin());
}

void write_frame(hid_t parent, const std::string& name, const Frame& f) {
    h5::remove_if_exists(parent, name);
    Id g = h5::create_group(parent, name);
    h5::attr_string(g, "encoding-type", "dataframe");
    h5::attr_string(g, "encoding-version", "0.2.0");
    h5::attr_string(g, "_index", "_index");
    std::vector<std::string> order;
    for (auto& c : f.columns) order.push_back(c.name);
    h5::attr_strings(g, "column-order", order);
    h5::write_strings(g, "_index", f.index);
    for (const FrameColumn& listed : f.columns) {
        FrameColumn made;
        if (listed.make) made = listed.make();
        const FrameColumn& c = listed.make ? made : listed;
        if (c.numeric && c.integer) {
            h5::write_nullable_ints(g, listed.name, c.numbers);
        } else if (c.numeric) {
            h5::write_doubles(g, listed.name, c.numbers);
        } else if (c.categorical) {
            const std::vector<std::string> cats = text_categories(c.strings);
            std::vector<int> codes;
            codes.reserve(c.strings.size());
            for (auto& s : c.strings) codes.push_back(code_among(cats, s));
            Id cg = h5::create_group(g, listed.name);
            h5::attr_string(cg, "encoding-type", "categorical");
            h5::attr_string(cg, "encoding-version", "0.2.0");
            h5::attr_bool(cg, "ordered", false);
            h5::write_ints(cg, "codes", codes);
            h5::write_strings(cg, "categories", cats);
        } else {
            h5::write_strings(g, listed.name, c.strings);
        }
    }
}

Id dict_group(hid_t parent, const std::string& name) {
    h5::remove_if_exists(parent, name);
    Id g = h5::create_group(parent, name);
    h5::attr_string(g, "encoding-type", "dict");
    h5::attr_string(g, "encoding-version", "0.1.0");
    return g;
}
}  // namespace

void write_annotations(const std::string& path, const StoreAnnotations& a) {
    h5::silence_errors();
    // objects in the HDF5 1.8 format (h5py and anndata read it): their attributes may exceed 64 KiB, as the
    // column-order of obs does with 100,000 phenotype columns
    Id fapl(H5Pcreate(H5P_FILE_ACCESS), "create file access list");
    h5::check(H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_LATEST), "use the HDF5 1.8 format");
    Id file(H5Fopen(path.c_str(), H5F_ACC_RDWR, fapl), "open " + path + " to annotate it");
    {  // every object opened here is closed before the file
        h5::attr_string(file, "encoding-type", "MuData");
        h5::attr_string(file, "encoding-version", "0.1.0");
        Id mod = h5::open_group(file, "mod");
        std::vector<std::string> order;
        for (auto& m : a.mods) order.push_back(m.modality);
        h5::attr_strings(mod, "mod-order", order);
        std::vector<std::string> all_features;
        for (auto& m : a.mods) {
            Id g = h5::open_group(mod, m.modality);
            h5::attr_string(g, "encoding-type", "anndata");
            h5::attr_string(g, "encoding-version", "0.1.0");
            Id x(H5Dopen2(g, "X", H5P_DEFAULT), "open X");
            h5::attr_string(x, "encoding-type", "array");
            h5::attr_string(x, "encoding-version", "0.2.0");
            write_frame(g, "obs", m.obs);
            write_frame(g, "var", m.var);
            for (const char* d : {"obsm", "varm", "obsp", "varp", "uns"}) dict_group(g, d);
            // layers: the matrices the ranks wrote there (layers/adjusted), else an empty dict
            if (m.layers.empty()) {
                dict_group(g, "layers");
            } else {
                Id layers = h5::open_group(g, "layers");
                h5::attr_string(layers, "encoding-type", "dict");
                h5::attr_string(layers, "encoding-version", "0.1.0");
                for (const auto& name : m.layers) {
                    Id d(H5Dopen2(layers, name.c_str(), H5P_DEFAULT), "open layers/" + name);
                    h5::attr_string(d, "encoding-type", "array");
                    h5::attr_string(d, "encoding-version", "0.2.0");
                }
            }
            all_features.insert(all_features.end(), m.var.index.begin(), m.var.index.end());
        }
        write_frame(file, "obs", a.obs);
        Frame var;
        var.index = all_features;
        write_frame(file, "var", var);
        {
            Id om = dict_group(file, "obsmap");
            for (auto& m : a.mods) h5::write_ints(om, m.modality, m.obsmap);
            Id vm = dict_group(file, "varmap");
            size_t offset = 0;
            for (auto& m : a.mods) {
                std::vector<int> map(all_features.size(), 0);
                for (size_t j = 0; j < m.var.index.size(); ++j) map[offset + j] = int(j + 1);
                offset += m.var.index.size();
                h5::write_ints(vm, m.modality, map);
            }
        }
        {
            Id om = dict_group(file, "obsm");
            if (!a.embedding.empty()) h5::write_doubles_2d(om, a.embedding_name, a.embedding, a.obs.index.size(), a.embedding_dims);
            if (!a.genetic_pca.empty())
                h5::write_doubles_2d(om, "X_genetic_pca", a.genetic_pca, a.obs.index.size(), a.genetic_pca_dims);
            dict_group(file, "varm");
            dict_group(file, "obsp");
            dict_group(file, "varp");
        }
        Id uns = dict_group(file, "uns");
        if (!a.k.empty()) {
            Id cl = dict_group(uns, "clustering");
            h5::write_ints(cl, "k", a.k);
            h5::write_doubles(cl, "pac", a.pac);
            h5::write_doubles(cl, "delta_area", a.delta_area);
            h5::write_doubles(cl, "mean_silhouette", a.mean_silhouette);
            h5::write_doubles(cl, "cdf_area", a.cdf_area);
            h5::write_ints(cl, "chosen_k", {a.chosen_k});
            h5::write_ints(cl, "landmarks", {a.landmarks});
            if (a.cdf.size() == a.k.size()) {
                std::vector<double> flat;
                for (auto& c : a.cdf) flat.insert(flat.end(), c.begin(), c.end());
                if (flat.size() == a.k.size() * 100) h5::write_doubles_2d(cl, "cdf", flat, a.k.size(), 100);
            }
            if (a.heatmaps.size() == a.k.size()) {
                Id hm = dict_group(cl, "heatmap");
                for (size_t i = 0; i < a.k.size(); ++i) {
                    const StoreHeatmap& h = a.heatmaps[i];
                    if (h.bins == 0) continue;
                    Id g = dict_group(hm, "k" + std::to_string(a.k[i]));
                    h5::write_doubles_2d(g, "values", h.values, h.bins, h.bins);
                    h5::write_ints(g, "labels", h.labels);
                    h5::write_ints(g, "items", h.items);
                }
            }
            const size_t n = a.obs.index.size();
            if (a.consensus.size() == a.k.size()) {
                Id by_k = dict_group(cl, "consensus_by_k");
                for (size_t i = 0; i < a.k.size(); ++i) {
                    if (a.consensus[i].size() != n * n) continue;
                    h5::write_doubles_2d(by_k, "k" + std::to_string(a.k[i]), a.consensus[i], n, n);
                    if (a.k[i] == a.chosen_k) h5::write_doubles_2d(cl, "consensus", a.consensus[i], n, n);
                }
            }
        }
        h5::write_string_scalar(uns, "provenance", a.provenance_json);
    }
    herr_t r = H5Fclose(file.release());
    if (r < 0) throw_io("cannot finish " + path, "free disk space");
    // MuData's userblock header, as mudata writes it
    std::string header = "MuData (format-version=0.1.0;creator=precis;creator-version=" + a.version + ")";
    header.resize(h5::kUserblockBytes, '\0');
    FILE* f = std::fopen(path.c_str(), "r+b");
    if (!f) throw_io("cannot reopen " + path + " to write its header", "check that the output folder is writable");
    bool ok = std::fwrite(header.data(), 1, header.size(), f) == header.size();
    ok = std::fclose(f) == 0 && ok;
    if (!ok) throw_io("cannot write the header of " + path, "free disk space");
}

namespace {
// A text column's categories made as the writer makes them (text_categories), from the used ones only, and its codes
// to match (whatever wrote the store: anndata allows unsorted and unused categories).
void tidy_categories(ObsColumn& c) {
    std::vector<char> used(c.categories.size(), 0);
    for (int code : c.codes)
        if (code >= 0) used[size_t(code)] = 1;
    std::vector<std::string> in_use;
    for (size_t j = 0; j < c.categories.size(); ++j)
        if (used[j]) in_use.push_back(c.categories[j]);
    const std::vector<std::string> kept = text_categories(std::move(in_use));
    std::vector<int> to(c.categories.size());
    for (size_t j = 0; j < c.categories.size(); ++j) to[j] = code_among(kept, c.categories[j]);
    for (int& code : c.codes)
        if (code >= 0) code = to[size_t(code)];
    c.categories = kept;
}

ObsColumn read_obs_column(hid_t frame, const std::string& name) {
    ObsColumn c;
    c.name = name;
    H5O_info_t info;
#if H5_VERSION_GE(1, 12, 0)
    h5::check(H5Oget_info_by_name3(frame, name.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT), "inspect " + name);
#else
    h5::check(H5Oget_info_by_name(frame, name.c_str(), &info, H5P_DEFAULT), "inspect " + name);
#endif
    if (info.type == H5O_TYPE_GROUP) {
        Id g = h5::open_group(frame, name);
        const std::string enc = h5::read_attr_string(g, "encoding-type");
        if (enc == "categorical") {
            c.numeric = false;
            c.categories = h5::read_strings(g, "categories");
            const std::vector<double> codes = h5::read_doubles(g, "codes");
            c.codes.reserve(codes.size());
            for (double code : codes)
                c.codes.push_back(code >= 0 && size_t(code) < c.categories.size() ? int(code) : -1);
            tidy_categories(c);
        } else if (enc == "nullable-integer") {
            c.numbers = h5::read_doubles(g, "values");
            const auto mask = h5::read_doubles(g, "mask");
            for (size_t i = 0; i < c.numbers.size() && i < mask.size(); ++i)
                if (mask[i] != 0) c.numbers[i] = std::numeric_limits<double>::quiet_NaN();
        } else {
            throw Error(ErrorKind::InconsistentInput, "column " + name + " of the store has encoding '" + enc + "'",
                        "rewrite the results with precis run");
        }
        return c;
    }
    Id d(H5Dopen2(frame, name.c_str(), H5P_DEFAULT), "open " + name);
    if (h5::read_attr_string(d, "encoding-type") == "string-array") {  // coded as a categorical column is
        c.numeric = false;
        c.categories = h5::read_strings(frame, name);
        c.codes.resize(c.categories.size());
        std::iota(c.codes.begin(), c.codes.end(), 0);
        tidy_categories(c);
    } else {
        c.numbers = h5::read_doubles(frame, name);
    }
    return c;
}
}  // namespace

const std::string& ObsColumn::text(size_t i) const {
    static const std::string none;
    return i < codes.size() && codes[i] >= 0 ? categories[size_t(codes[i])] : none;
}

StoreSummary read_store_summary(const std::string& path, const std::vector<std::string>& obs_columns) {
    h5::silence_errors();
    StoreSummary s;
    Id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "open " + path);
    {
        Id obs = h5::open_group(file, "obs");
        s.obs.index = h5::read_strings(obs, "_index");
        for (const auto& name : obs_columns)
            if (h5::exists(obs, name)) s.obs.columns.push_back(read_obs_column(obs, name));
    }
    if (h5::exists(file, "obsm/X_pca")) {
        Id om = h5::open_group(file, "obsm");
        std::vector<size_t> dims;
        s.embedding = h5::read_doubles(om, "X_pca", &dims);
        s.embedding_dims = dims.size() == 2 ? dims[1] : 0;
        s.embedding_name = "X_pca";
    }
    if (h5::exists(file, "obsm/X_genetic_pca")) {
        Id om = h5::open_group(file, "obsm");
        std::vector<size_t> dims;
        s.genetic_pca = h5::read_doubles(om, "X_genetic_pca", &dims);
        s.genetic_pca_dims = dims.size() == 2 ? dims[1] : 0;
    }
    if (h5::exists(file, "uns/clustering")) {
        Id cl = h5::open_group(file, "uns/clustering");
        for (double k : h5::read_doubles(cl, "k")) s.k.push_back(int(k));
        if (h5::exists(cl, "cdf")) {
            const auto flat = h5::read_doubles(cl, "cdf");
            for (size_t i = 0; i < s.k.size() && (i + 1) * 100 <= flat.size(); ++i)
                s.cdf.emplace_back(flat.begin() + long(i * 100), flat.begin() + long((i + 1) * 100));
        }
        if (h5::exists(cl, "heatmap"))
            for (int k : s.k) {
                StoreHeatmap h;
                const std::string name = "heatmap/k" + std::to_string(k);
                if (h5::exists(cl, name)) {
                    Id g = h5::open_group(cl, name);
                    std::vector<size_t> dims;
                    h.values = h5::read_doubles(g, "values", &dims);
                    h.bins = dims.empty() ? 0 : dims[0];
                    for (double v : h5::read_doubles(g, "labels")) h.labels.push_back(int(v));
                    for (double v : h5::read_doubles(g, "items")) h.items.push_back(int(v));
                }
                s.heatmaps.push_back(std::move(h));
            }
    }
    return s;
}

}  // namespace precis
