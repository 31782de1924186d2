// HDF5 1.10 (Debian libhdf5-dev, serial build). Many HDF5 constants are macros that expand to
// global variables behind H5open(); Swift cannot import them, so they are exposed here as static
// inline getters. HDF5Storage is the only Swift code that includes this module.
#include <hdf5.h>
#include <stdio.h>
#include <string.h>

static inline hid_t atf_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t atf_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t atf_h5t_native_int32(void) { return H5T_NATIVE_INT32; }
static inline hid_t atf_h5t_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t atf_h5t_native_uint8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t atf_h5t_c_s1(void) { return H5T_C_S1; }
static inline hid_t atf_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t atf_h5p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t atf_h5p_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t atf_h5p_group_create(void) { return H5P_GROUP_CREATE; }
static inline hid_t atf_h5p_file_create(void) { return H5P_FILE_CREATE; }
static inline hid_t atf_h5s_all(void) { return H5S_ALL; }
static inline hsize_t atf_h5s_unlimited(void) { return H5S_UNLIMITED; }
static inline size_t atf_h5t_variable(void) { return H5T_VARIABLE; }
static inline unsigned atf_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned atf_h5f_acc_rdwr(void) { return H5F_ACC_RDWR; }
static inline unsigned atf_h5f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline unsigned atf_h5f_acc_excl(void) { return H5F_ACC_EXCL; }
static inline hid_t atf_h5e_default(void) { return H5E_DEFAULT; }
static inline H5Z_filter_t atf_h5z_filter_deflate(void) { return H5Z_FILTER_DEFLATE; }

// The library in Debian is built thread-safe, which makes the automatic error printing a
// per-thread setting: HDF5Storage calls this before every batch of HDF5 calls.
static inline void atf_h5_silence_errors(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

// The type of the object at `name` (H5O_TYPE_GROUP, H5O_TYPE_DATASET, ...) or H5O_TYPE_UNKNOWN
// when it cannot be resolved. H5Oget_info_by_name is a versioned macro in 1.10, hence the wrapper.
static inline H5O_type_t atf_h5_object_type(hid_t loc, const char *name) {
    H5O_info_t info;
    if (H5Oget_info_by_name1(loc, name, &info, H5P_DEFAULT) < 0) return H5O_TYPE_UNKNOWN;
    return info.type;
}

typedef struct { char *text; size_t size; int found; } atf_h5_error_text;

static inline herr_t atf_h5_error_walker(unsigned n, const H5E_error2_t *err, void *data) {
    (void)n;
    atf_h5_error_text *out = (atf_h5_error_text *)data;
    if (!out->found && err->desc != NULL && err->desc[0] != '\0') {
        snprintf(out->text, out->size, "%s", err->desc);
        out->found = 1;
    }
    return 0;
}

// Copies the most specific message of this thread's HDF5 error stack into `text` (empty when the
// stack is empty) and clears the stack.
static inline void atf_h5_take_error(char *text, size_t size) {
    atf_h5_error_text out = { text, size, 0 };
    if (size > 0) text[0] = '\0';
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, atf_h5_error_walker, &out);
    H5Eclear2(H5E_DEFAULT);
}
