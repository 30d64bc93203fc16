#include "store/h5.hpp"

#include <cmath>

#include "core/error.hpp"

namespace precis::h5 {

// HDF5 closes what is still open when the process exits, or, if MPI was running when the library started, in
// MPI_Finalize. After a failure to write (a full disk) it keeps a dataset or file it could not close, half torn
// down, and that late close crashes (HDF5 1.10). precis closes everything it opens itself, so the library is told,
// before anything else runs (static initialisation, before main starts MPI), not to clean up at exit, and started
// then, so that it registers no clean-up in MPI_Finalize either.
const bool kNoCleanupAtExit = [] { return H5dont_atexit() >= 0 && H5open() >= 0; }();

Id::Id(hid_t id, const std::string& what) : id_(id) {
    if (id < 0) throw_io("HDF5: cannot " + what, "check the output folder: it must be writable and have space");
}

void Id::reset() {
    if (id_ >= 0 && H5Iis_valid(id_) > 0) H5Idec_ref(id_);
    id_ = H5I_INVALID_HID;
}

void check(herr_t r, const std::string& what) {
    if (r < 0) throw_io("HDF5: cannot " + what, "check the output folder: it must be writable and have space");
}

void silence_errors() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

Id create_group(hid_t parent, const std::string& name) {
    return Id(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "create group " + name);
}

Id open_group(hid_t parent, const std::string& name) {
    return Id(H5Gopen2(parent, name.c_str(), H5P_DEFAULT), "open group " + name);
}

bool exists(hid_t parent, const std::string& path) {
    // check each component, as H5Lexists requires
    size_t pos = 0;
    while (true) {
        size_t next = path.find('/', pos);
        std::string prefix = path.substr(0, next);
        if (H5Lexists(parent, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
        if (next == std::string::npos) return true;
        pos = next + 1;
    }
}

namespace {
Id vlen_utf8() {
    Id t(H5Tcopy(H5T_C_S1), "copy string type");
    check(H5Tset_size(t, H5T_VARIABLE), "set string size");
    check(H5Tset_cset(t, H5T_CSET_UTF8), "set string charset");
    return t;
}
std::vector<const char*> cstrs(const std::vector<std::string>& v) {
    std::vector<const char*> p;
    p.reserve(v.size());
    for (auto& s : v) p.push_back(s.c_str());
    return p;
}
void replace_attr(hid_t obj, const std::string& name) {
    if (H5Aexists(obj, name.c_str()) > 0) check(H5Adelete(obj, name.c_str()), "replace attribute " + name);
}
}  // namespace

void attr_string(hid_t obj, const std::string& name, const std::string& value) {
    replace_attr(obj, name);
    Id t = vlen_utf8();
    Id s(H5Screate(H5S_SCALAR), "create dataspace");
    Id a(H5Acreate2(obj, name.c_str(), t, s, H5P_DEFAULT, H5P_DEFAULT), "create attribute " + name);
    const char* p = value.c_str();
    check(H5Awrite(a, t, &p), "write attribute " + name);
}

void attr_strings(hid_t obj, const std::string& name, const std::vector<std::string>& values) {
    replace_attr(obj, name);
    Id t = vlen_utf8();
    hsize_t n = values.size();
    Id s(H5Screate_simple(1, &n, nullptr), "create dataspace");
    Id a(H5Acreate2(obj, name.c_str(), t, s, H5P_DEFAULT, H5P_DEFAULT), "create attribute " + name);
    auto p = cstrs(values);
    if (n) check(H5Awrite(a, t, p.data()), "write attribute " + name);
}

namespace {
// h5py's boolean: an int8 enum {FALSE, TRUE}
Id bool_type() {
    Id t(H5Tenum_create(H5T_NATIVE_INT8), "create bool type");
    int8_t f = 0, tr = 1;
    check(H5Tenum_insert(t, "FALSE", &f), "bool type");
    check(H5Tenum_insert(t, "TRUE", &tr), "bool type");
    return t;
}
}  // namespace

void attr_bool(hid_t obj, const std::string& name, bool value) {
    replace_attr(obj, name);
    Id t = bool_type();
    Id s(H5Screate(H5S_SCALAR), "create dataspace");
    Id a(H5Acreate2(obj, name.c_str(), t, s, H5P_DEFAULT, H5P_DEFAULT), "create attribute " + name);
    int8_t v = value ? 1 : 0;
    check(H5Awrite(a, t, &v), "write attribute " + name);
}

void attr_int(hid_t obj, const std::string& name, long value) {
    replace_attr(obj, name);
    Id s(H5Screate(H5S_SCALAR), "create dataspace");
    Id a(H5Acreate2(obj, name.c_str(), H5T_STD_I64LE, s, H5P_DEFAULT, H5P_DEFAULT), "create attribute " + name);
    int64_t v = value;
    check(H5Awrite(a, H5T_NATIVE_INT64, &v), "write attribute " + name);
}

void remove_if_exists(hid_t parent, const std::string& name) {
    if (H5Lexists(parent, name.c_str(), H5P_DEFAULT) > 0)
        check(H5Ldelete(parent, name.c_str(), H5P_DEFAULT), "replace " + name);
}

void write_strings(hid_t parent, const std::string& name, const std::vector<std::string>& values) {
    remove_if_exists(parent, name);
    Id t = vlen_utf8();
    hsize_t n = values.size();
    Id s(H5Screate_simple(1, &n, nullptr), "create dataspace");
    Id d(H5Dcreate2(parent, name.c_str(), t, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "create dataset " + name);
    auto p = cstrs(values);
    if (n) check(H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, p.data()), "write " + name);
    attr_string(d, "encoding-type", "string-array");
    attr_string(d, "encoding-version", "0.2.0");
}

static void write_numeric(hid_t parent, const std::string& name, hid_t file_type, hid_t mem_type, const void* data,
                          int rank, const hsize_t* dims) {
    remove_if_exists(parent, name);
    Id s(H5Screate_simple(rank, dims, nullptr), "create dataspace");
    Id d(H5Dcreate2(parent, name.c_str(), file_type, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
         "create dataset " + name);
    hsize_t total = 1;
    for (int i = 0; i < rank; ++i) total *= dims[i];
    if (total) check(H5Dwrite(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), "write " + name);
    attr_string(d, "encoding-type", "array");
    attr_string(d, "encoding-version", "0.2.0");
}

void write_doubles(hid_t parent, const std::string& name, const std::vector<double>& values) {
    hsize_t n = values.size();
    write_numeric(parent, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, values.data(), 1, &n);
}

void write_ints(hid_t parent, const std::string& name, const std::vector<int>& values) {
    hsize_t n = values.size();
    write_numeric(parent, name, H5T_STD_I32LE, H5T_NATIVE_INT, values.data(), 1, &n);
}

void write_nullable_ints(hid_t parent, const std::string& name, const std::vector<double>& values) {
    remove_if_exists(parent, name);
    Id g = create_group(parent, name);
    attr_string(g, "encoding-type", "nullable-integer");
    attr_string(g, "encoding-version", "0.1.0");
    std::vector<int64_t> v(values.size());
    std::vector<int8_t> mask(values.size());
    for (size_t i = 0; i < values.size(); ++i) {
        mask[i] = std::isnan(values[i]);
        v[i] = mask[i] ? 0 : int64_t(std::llround(values[i]));
    }
    hsize_t n = values.size();
    Id s(H5Screate_simple(1, &n, nullptr), "create dataspace");
    Id dv(H5Dcreate2(g, "values", H5T_STD_I64LE, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "create " + name);
    if (n) check(H5Dwrite(dv, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), "write " + name);
    Id t = bool_type();
    Id dm(H5Dcreate2(g, "mask", t, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "create " + name + " mask");
    if (n) check(H5Dwrite(dm, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, mask.data()), "write " + name + " mask");
}

void write_doubles_2d(hid_t parent, const std::string& name, const std::vector<double>& values, size_t rows,
                      size_t cols) {
    hsize_t dims[2] = {rows, cols};
    write_numeric(parent, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, values.data(), 2, dims);
}

void write_string_scalar(hid_t parent, const std::string& name, const std::string& value) {
    remove_if_exists(parent, name);
    Id t = vlen_utf8();
    Id s(H5Screate(H5S_SCALAR), "create dataspace");
    Id d(H5Dcreate2(parent, name.c_str(), t, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "create dataset " + name);
    const char* p = value.c_str();
    check(H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, &p), "write " + name);
    attr_string(d, "encoding-type", "string");
    attr_string(d, "encoding-version", "0.2.0");
}

std::vector<double> read_doubles(hid_t parent, const std::string& name, std::vector<size_t>* dims) {
    Id d(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), "open dataset " + name);
    Id sp(H5Dget_space(d), "dataspace of " + name);
    const int rank = H5Sget_simple_extent_ndims(sp);
    if (rank < 0) throw_io("cannot read the shape of " + name, "the store may be damaged: run the study again to rewrite it");
    std::vector<hsize_t> sh(size_t(rank) + 1, 1);
    if (rank > 0) check(H5Sget_simple_extent_dims(sp, sh.data(), nullptr), "shape of " + name);
    size_t total = 1;
    for (int i = 0; i < rank; ++i) total *= size_t(sh[size_t(i)]);
    if (dims) dims->assign(sh.begin(), sh.begin() + rank);
    std::vector<double> v(total);
    if (total) check(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), "read " + name);
    return v;
}

std::vector<std::string> read_strings(hid_t parent, const std::string& name) {
    Id d(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), "open dataset " + name);
    Id sp(H5Dget_space(d), "dataspace of " + name);
    const hssize_t n = H5Sget_simple_extent_npoints(sp);
    if (n < 0) throw_io("cannot read the size of " + name, "the store may be damaged: run the study again to rewrite it");
    Id t = vlen_utf8();
    std::vector<char*> p(size_t(n), nullptr);
    if (n) check(H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, p.data()), "read " + name);
    std::vector<std::string> out;
    out.reserve(size_t(n));
    for (char* c : p) out.emplace_back(c ? c : "");
    if (n) H5Dvlen_reclaim(t, sp, H5P_DEFAULT, p.data());
    return out;
}

std::string read_string_scalar(hid_t parent, const std::string& name) {
    auto v = read_strings(parent, name);
    return v.empty() ? std::string() : v[0];
}

std::string read_attr_string(hid_t obj, const std::string& name) {
    if (H5Aexists(obj, name.c_str()) <= 0) return "";
    Id a(H5Aopen(obj, name.c_str(), H5P_DEFAULT), "open attribute " + name);
    Id ft(H5Aget_type(a), "type of attribute " + name);
    if (H5Tis_variable_str(ft) > 0) {
        Id t = vlen_utf8();
        char* p = nullptr;
        check(H5Aread(a, t, &p), "read attribute " + name);
        std::string s = p ? p : "";
        H5free_memory(p);
        return s;
    }
    const size_t len = H5Tget_size(ft);
    Id t(H5Tcopy(H5T_C_S1), "string type");
    check(H5Tset_size(t, len), "string type");
    std::string s(len, '\0');
    check(H5Aread(a, t, s.data()), "read attribute " + name);
    return s.substr(0, s.find('\0'));
}

}  // namespace precis::h5
