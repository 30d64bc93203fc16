// HDF5, wrapped once: an owning id type and checked calls that turn HDF5 failures into precis IO errors.
// Only the store module includes this.
#pragma once
#include <hdf5.h>

#include <string>
#include <vector>

namespace precis::h5 {

// The store's userblock (MuData's header before the HDF5 superblock), in bytes.
constexpr hsize_t kUserblockBytes = 512;

// Owns one HDF5 identifier (file, group, dataset, dataspace, type, property list, attribute).
class Id {
public:
    Id() = default;
    explicit Id(hid_t id, const std::string& what);  // throws IO error if id < 0
    ~Id() { reset(); }
    Id(Id&& o) noexcept : id_(o.id_) { o.id_ = H5I_INVALID_HID; }
    Id& operator=(Id&& o) noexcept {
        if (this != &o) {
            reset();
            id_ = o.id_;
            o.id_ = H5I_INVALID_HID;
        }
        return *this;
    }
    Id(const Id&) = delete;
    Id& operator=(const Id&) = delete;
    hid_t get() const { return id_; }
    operator hid_t() const { return id_; }
    void reset();  // never throws
    hid_t release() {  // gives up ownership (to close explicitly and check the result)
        hid_t id = id_;
        id_ = H5I_INVALID_HID;
        return id;
    }

private:
    hid_t id_ = H5I_INVALID_HID;
};

void check(herr_t r, const std::string& what);  // throws IO error naming `what` if r < 0
void silence_errors();                          // HDF5 prints nothing itself; precis reports

Id create_group(hid_t parent, const std::string& name);
Id open_group(hid_t parent, const std::string& name);
bool exists(hid_t parent, const std::string& path);

// Attributes
void attr_string(hid_t obj, const std::string& name, const std::string& value);
void attr_strings(hid_t obj, const std::string& name, const std::vector<std::string>& values);
void attr_bool(hid_t obj, const std::string& name, bool value);
void attr_int(hid_t obj, const std::string& name, long value);

// Datasets written whole (serial)
void write_strings(hid_t parent, const std::string& name, const std::vector<std::string>& values);
void write_doubles(hid_t parent, const std::string& name, const std::vector<double>& values);
void write_ints(hid_t parent, const std::string& name, const std::vector<int>& values);
// anndata's nullable-integer: whole numbers with NaN as missing -> a group of int64 `values` and a boolean `mask`
void write_nullable_ints(hid_t parent, const std::string& name, const std::vector<double>& values);
void write_doubles_2d(hid_t parent, const std::string& name, const std::vector<double>& values, size_t rows,
                      size_t cols);
void write_string_scalar(hid_t parent, const std::string& name, const std::string& value);
void remove_if_exists(hid_t parent, const std::string& name);

// Datasets read whole (serial). Numbers of any stored type come back as double; dims gets the shape.
std::vector<double> read_doubles(hid_t parent, const std::string& name, std::vector<size_t>* dims = nullptr);
std::vector<std::string> read_strings(hid_t parent, const std::string& name);
std::string read_string_scalar(hid_t parent, const std::string& name);
std::string read_attr_string(hid_t obj, const std::string& name);  // "" when absent

}  // namespace precis::h5
