/* model_reader: reads an atflrec checkpoint (checkpoints/README.md, schema version 1) from C.
 *
 * Usage: model_reader FILE.h5
 *   prints "<group>/<name> <d0>x<d1>..." ("scalar" for rank 0) for each tensor of /parameters,
 *   then /buffers, in the order the hash takes them, and last "model tensors sha256: <hex>":
 *   the hash of checkpoints/README.md ("Model tensors hash"), as `atflrec inspect --model-sha256`
 *   and paper/tools/load_checkpoint.py compute it. Any failure: one line on stderr, exit 1.
 *
 * A second independent reader (after the Python one), on libhdf5 and OpenSSL's libcrypto only:
 *   gcc -std=c11 model_reader.c $(pkg-config --cflags --libs hdf5-serial libcrypto)
 * (make/ctools.mk builds it to .build/ctools/model_reader).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>
#include <openssl/evp.h>

static const char *path; /* the file, named in every error */

/* One line naming the file and the object, as `atflrec inspect` reports errors. */
static void fail(const char *object, const char *format, ...) {
    va_list args;
    va_start(args, format);
    fprintf(stderr, "model_reader: %s: %s: ", path, object);
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
    va_end(args);
    exit(1);
}

/* A root string attribute. HDF5Storage writes variable-length UTF-8 strings; h5py and other
 * writers may store fixed-length ones. For those, a memory type one byte longer and
 * NUL-terminated lets the library drop the stored padding (NUL or spaces) itself. The
 * character set must match the file's: HDF5 refuses to convert between ASCII and UTF-8. */
static char *string_attribute(hid_t file, const char *name) {
    if (H5Aexists(file, name) <= 0) fail("/", "no attribute '%s'; not an atflrec checkpoint", name);
    hid_t attribute = H5Aopen(file, name, H5P_DEFAULT), type = H5Aget_type(attribute);
    if (H5Tget_class(type) != H5T_STRING) fail("/", "attribute '%s' is not a string", name);
    hid_t memory = H5Tcopy(H5T_C_S1);
    H5Tset_cset(memory, H5Tget_cset(type));
    char *value;
    if (H5Tis_variable_str(type) > 0) {
        H5Tset_size(memory, H5T_VARIABLE);
        if (H5Aread(attribute, memory, &value) < 0) fail("/", "cannot read attribute '%s'", name);
    } else {
        size_t size = H5Tget_size(type) + 1;
        H5Tset_size(memory, size);
        if (!(value = calloc(size, 1)) || H5Aread(attribute, memory, value) < 0)
            fail("/", "cannot read attribute '%s'", name);
    }
    return value; /* a few bytes; freed at exit (a variable-length one belongs to HDF5's allocator) */
}

static void hash_text(EVP_MD_CTX *sha, const char *text) { EVP_DigestUpdate(sha, text, strlen(text)); }

static int by_bytes(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Hashes and lists every dataset of `group`. The hash defines the order as UTF-8 byte order,
 * which strcmp gives (it compares unsigned chars); the names are sorted here rather than
 * trusting a link index's order. */
static void hash_group(EVP_MD_CTX *sha, hid_t file, const char *group) {
    if (H5Lexists(file, group, H5P_DEFAULT) <= 0) return; /* e.g. a model without buffers */
    hid_t g = H5Gopen2(file, group, H5P_DEFAULT);
    H5G_info_t info;
    if (g < 0 || H5Gget_info(g, &info) < 0) fail(group, "not a group");
    char **names = calloc(info.nlinks + 1, sizeof *names);
    if (!names) fail(group, "out of memory");
    for (hsize_t i = 0; i < info.nlinks; i++) {
        ssize_t length = H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, NULL, 0, H5P_DEFAULT);
        if (length < 0 || !(names[i] = malloc(length + 1))) fail(group, "cannot read member %llu", (unsigned long long)i);
        H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, names[i], length + 1, H5P_DEFAULT);
    }
    qsort(names, info.nlinks, sizeof *names, by_bytes);

    for (hsize_t i = 0; i < info.nlinks; i++) {
        char object[4096];
        snprintf(object, sizeof object, "%s/%s", group, names[i]);
        hid_t dataset = H5Dopen2(g, names[i], H5P_DEFAULT);
        if (dataset < 0) fail(object, "not a dataset");
        hid_t type = H5Dget_type(dataset), space = H5Dget_space(dataset);
        /* Any byte order is fine: the read below converts to little-endian float32. */
        if (H5Tget_class(type) != H5T_FLOAT || H5Tget_size(type) != 4) fail(object, "not float32");
        hsize_t dims[H5S_MAX_RANK];
        int rank = H5Sget_simple_extent_dims(space, dims, NULL);
        if (rank < 0) fail(object, "cannot read the shape");
        char hashed[H5S_MAX_RANK * 21 + 2] = "", shown[H5S_MAX_RANK * 21 + 8] = "";
        for (int d = 0; d < rank; d++) {
            size_t at = strlen(hashed);
            snprintf(hashed + at, sizeof hashed - at, "%s%llu", d ? "," : "", (unsigned long long)dims[d]);
            at = strlen(shown);
            snprintf(shown + at, sizeof shown - at, "%s%llu", d ? "x" : "", (unsigned long long)dims[d]);
        }
        if (rank == 0) strcpy(shown, "scalar");
        hssize_t count = H5Sget_simple_extent_npoints(space);
        strcat(hashed, "\n");
        float *values = malloc(count > 0 ? count * sizeof *values : 1);
        if (count < 0 || !values || H5Dread(dataset, H5T_IEEE_F32LE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) < 0)
            fail(object, "cannot read the values");
        hash_text(sha, object + 1); /* "parameters/<name>", no leading slash */
        hash_text(sha, "\n");
        hash_text(sha, hashed);
        EVP_DigestUpdate(sha, values, count * sizeof *values);
        printf("%s %s\n", object + 1, shown);
        free(values);
        H5Sclose(space);
        H5Tclose(type);
        H5Dclose(dataset);
    }
    H5Gclose(g);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: model_reader FILE.h5\n");
        return 1;
    }
    path = argv[1];
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* our one-line errors replace HDF5's error stack */
    FILE *probe = fopen(path, "rb");       /* says "no such file" rather than "not HDF5" */
    if (!probe) fail("/", "%s", strerror(errno));
    fclose(probe);
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0) fail("/", "not an HDF5 file");

    if (H5Aexists(file, "schema") <= 0 || strcmp(string_attribute(file, "schema"), "atflrec-checkpoint") != 0)
        fail("/", "not an atflrec checkpoint (root attribute schema is not \"atflrec-checkpoint\")");
    long long version = 0;
    hid_t attribute = H5Aexists(file, "schema_version") > 0 ? H5Aopen(file, "schema_version", H5P_DEFAULT) : -1;
    if (attribute < 0 || H5Aread(attribute, H5T_NATIVE_LLONG, &version) < 0 || version != 1)
        fail("/", "schema_version is not 1; this reader knows schema version 1 only");
    H5Aclose(attribute);

    EVP_MD_CTX *sha = EVP_MD_CTX_new();
    EVP_DigestInit_ex(sha, EVP_sha256(), NULL);
    hash_text(sha, "atflrec-model-tensors-v1\nconfiguration_hash=");
    hash_text(sha, string_attribute(file, "configuration_hash"));
    hash_text(sha, "\n");
    hash_group(sha, file, "/parameters");
    hash_group(sha, file, "/buffers");

    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(sha, digest, &length);
    EVP_MD_CTX_free(sha);
    printf("model tensors sha256: ");
    for (unsigned int i = 0; i < length; i++) printf("%02x", digest[i]);
    printf("\n");
    H5Fclose(file);
    return 0;
}
