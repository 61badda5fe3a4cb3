/*
 * Copyright: (c) 2026, gpulab.pytorch_stack contributors
 * GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
 *
 * A test double of libnvidia-ml.so.1 (NVML) for hosts without an NVIDIA GPU.
 *
 * It answers the NVML calls that nvidia-ml-py (import name `pynvml`) makes for
 * gpulab.pytorch_stack's gpu_info / gpu_facts modules, from a small profile file:
 *
 *   path: $GPULAB_NVML_PROFILE, else /etc/gpulab/nvml-profile
 *
 * Profile format (one `key=value` a line, `#` starts a comment, blank lines ignored):
 *
 *   init_error=18                 nvmlInit* returns this NVML error code (default 0: success)
 *   driver_version=535.261.03
 *   cuda_driver_version=12020     as NVML reports it: 1000 * major + 10 * minor
 *   nvml_version=12.535.261.03
 *   [device]                      starts the next device (index 0, 1, ...)
 *   name=NVIDIA A100-SXM4-80GB
 *   uuid=GPU-...
 *   pci_bus_id=00000000:07:00.0
 *   pci_device_id=0x20B210DE      NVML packs device id (high 16 bits) and vendor id (low 16)
 *   pci_subsystem_id=0x147F10DE
 *   compute_capability=8.0
 *   memory_total_mib=81920        memory_reserved_mib, memory_used_mib likewise
 *   temperature_c=31
 *   power_draw_mw=61000
 *   utilization_gpu_pct=0         utilization_memory_pct likewise
 *   persistence_mode=1
 *   mig_mode=0                    mig_mode_pending likewise
 *   ecc_errors_uncorrected=0      ecc_errors_corrected likewise (both counter types)
 *   fabric_state=3                nvmlDeviceGetGpuFabricInfo(V): 0 not supported, 1 not started,
 *                                 2 in progress, 3 completed; fabric_status (an NVML return
 *                                 code, 0 success), fabric_clique_id, fabric_health_mask likewise
 *   handle_error=15               nvmlDeviceGetHandleByIndex fails with this code (a lost GPU)
 *   [mig_device]                  a MIG instance of the device above (needs mig_mode=1):
 *   uuid=MIG-...                  name, memory_total_mib likewise
 *
 * A device key that is absent makes its query return NVML_ERROR_NOT_SUPPORTED (3); a value
 * written `!N` makes it return NVML error N (e.g. `temperature_c=!4` for no permission). The
 * same `!N` works for the global keys. An unreadable or malformed profile makes nvmlInit fail
 * with NVML_ERROR_UNKNOWN (999) and says why on stderr. A host "without the library" is a host
 * where this double is not on the loader path.
 */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

enum {
    NVML_SUCCESS = 0,
    NVML_ERROR_UNINITIALIZED = 1,
    NVML_ERROR_INVALID_ARGUMENT = 2,
    NVML_ERROR_NOT_SUPPORTED = 3,
    NVML_ERROR_NO_PERMISSION = 4,
    NVML_ERROR_NOT_FOUND = 6,
    NVML_ERROR_INSUFFICIENT_SIZE = 7,
    NVML_ERROR_DRIVER_NOT_LOADED = 9,
    NVML_ERROR_LIBRARY_NOT_FOUND = 12,
    NVML_ERROR_FUNCTION_NOT_FOUND = 13,
    NVML_ERROR_GPU_IS_LOST = 15,
    NVML_ERROR_LIB_RM_VERSION_MISMATCH = 18,
    NVML_ERROR_ARGUMENT_VERSION_MISMATCH = 25,
    NVML_ERROR_UNKNOWN = 999
};

#define MAX_DEVICES 64
#define MAX_MIG_PER_GPU 7   /* an A100/H100 has at most 7 MIG instances */
#define TEXT_LEN 96
#define DEFAULT_PROFILE "/etc/gpulab/nvml-profile"
#define MEMORY_V2_VERSION ((2u << 24) | 40u)
#define MIB (1024ULL * 1024ULL)

/* A value from the profile: absent (-> NOT_SUPPORTED), an error code, or a value. */
typedef struct {
    int present;
    int error;
    unsigned long long number;
    char text[TEXT_LEN];
} field_t;

/* Numeric device fields, in the order of the keys below. */
enum {
    F_PCI_DEVICE_ID, F_PCI_SUBSYSTEM_ID, F_MEMORY_TOTAL, F_MEMORY_RESERVED, F_MEMORY_USED,
    F_TEMPERATURE, F_POWER, F_UTIL_GPU, F_UTIL_MEMORY, F_PERSISTENCE, F_MIG, F_MIG_PENDING,
    F_ECC_UNCORRECTED, F_ECC_CORRECTED, F_FABRIC_STATE, F_FABRIC_STATUS, F_FABRIC_CLIQUE,
    F_FABRIC_HEALTH, F_NUMBERS
};
static const char *const NUMBER_KEYS[F_NUMBERS] = {
    "pci_device_id", "pci_subsystem_id", "memory_total_mib", "memory_reserved_mib",
    "memory_used_mib", "temperature_c", "power_draw_mw", "utilization_gpu_pct",
    "utilization_memory_pct", "persistence_mode", "mig_mode", "mig_mode_pending",
    "ecc_errors_uncorrected", "ecc_errors_corrected", "fabric_state", "fabric_status",
    "fabric_clique_id", "fabric_health_mask"
};

typedef struct device_s {
    unsigned int index;
    int handle_error;
    field_t name, uuid, pci_bus_id, compute_capability;
    field_t numbers[F_NUMBERS];
    struct device_s *parent;            /* a MIG device's GPU; NULL for a GPU */
    unsigned int mig_count;
    struct device_s *migs;              /* this GPU's MIG devices, in profile order */
} device_t;

typedef struct {
    int init_error;
    field_t driver_version, cuda_driver_version, nvml_version;
    unsigned int device_count;
    device_t devices[MAX_DEVICES];
    unsigned int mig_total;
    device_t mig_devices[MAX_DEVICES * MAX_MIG_PER_GPU];
} profile_t;

/* Layouts as in nvml.h; nvidia-ml-py declares the same with ctypes. */
typedef struct {
    char busIdLegacy[16];
    unsigned int domain, bus, device, pciDeviceId, pciSubSystemId;
    char busId[32];
} nvmlPciInfo_t; /* 68 bytes */

typedef struct { unsigned long long total, free, used; } nvmlMemory_t;
typedef struct {
    unsigned int version;
    unsigned long long total, reserved, free, used;
} nvmlMemory_v2_t; /* 40 bytes */
typedef struct { unsigned int gpu, memory; } nvmlUtilization_t;
typedef device_t *nvmlDevice_t;

/* nvmlGpuFabricInfo_t (v1, no version word) and nvmlGpuFabricInfo_v2_t / _v3_t, as in nvml.h
 * and nvidia-ml-py's c_nvmlGpuFabricInfo*_t; v2 is what nvmlGpuFabricInfoV_t names. */
#define FABRIC_UUID_LEN 16
#define FABRIC_INFO_V2_VERSION ((2u << 24) | 36u)
#define FABRIC_INFO_V3_VERSION ((3u << 24) | 40u)
typedef struct {
    unsigned char clusterUuid[FABRIC_UUID_LEN];
    int status;
    unsigned int cliqueId, state;
} nvmlGpuFabricInfo_t; /* 28 bytes */
typedef struct {
    unsigned int version;
    unsigned char clusterUuid[FABRIC_UUID_LEN];
    int status;
    unsigned int cliqueId, state, healthMask;
    unsigned char healthSummary;                 /* v3 only */
} nvmlGpuFabricInfo_v3_t; /* 40 bytes; v2 is its first 36 */

_Static_assert(sizeof(nvmlGpuFabricInfo_t) == 28, "nvmlGpuFabricInfo_t must be 28 bytes");
_Static_assert(sizeof(nvmlGpuFabricInfo_v3_t) == 40, "nvmlGpuFabricInfo_v3_t must be 40 bytes");
_Static_assert(sizeof(nvmlPciInfo_t) == 68, "nvmlPciInfo_t must be 68 bytes");
_Static_assert(sizeof(nvmlMemory_v2_t) == 40, "nvmlMemory_v2_t must be 40 bytes");

static profile_t profile;
static int init_count;

/* ---- profile parsing ------------------------------------------------------------------- */

static char *strip(char *text)
{
    char *end;
    while (isspace((unsigned char)*text))
        text++;
    end = text + strlen(text);
    while (end > text && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return text;
}

/* Store `value` into `field`: `!N` is an error code, anything else text (and a number when
 * it parses as one). Returns 0, or -1 when a `!N` is malformed. */
static int set_field(field_t *field, const char *value)
{
    char *end;
    memset(field, 0, sizeof(*field));
    field->present = 1;
    if (value[0] == '!') {
        errno = 0;
        field->error = (int)strtol(value + 1, &end, 0);
        return (errno || *end || end == value + 1 || field->error <= 0) ? -1 : 0;
    }
    snprintf(field->text, sizeof(field->text), "%s", value);
    field->number = strtoull(value, NULL, 0);
    return 0;
}

static int is_number(const char *value)
{
    char *end;
    if (value[0] == '!')
        return 1;
    errno = 0;
    strtoull(value, &end, 0);
    return !errno && end != value && *end == '\0';
}

static field_t *device_text_field(device_t *dev, const char *key)
{
    if (!strcmp(key, "name"))
        return &dev->name;
    if (!strcmp(key, "uuid"))
        return &dev->uuid;
    if (!strcmp(key, "pci_bus_id"))
        return &dev->pci_bus_id;
    if (!strcmp(key, "compute_capability"))
        return &dev->compute_capability;
    return NULL;
}

static field_t *device_number_field(device_t *dev, const char *key)
{
    int i;
    for (i = 0; i < F_NUMBERS; i++)
        if (!strcmp(key, NUMBER_KEYS[i]))
            return &dev->numbers[i];
    return NULL;
}

static field_t *global_field(const char *key)
{
    if (!strcmp(key, "driver_version"))
        return &profile.driver_version;
    if (!strcmp(key, "cuda_driver_version"))
        return &profile.cuda_driver_version;
    if (!strcmp(key, "nvml_version"))
        return &profile.nvml_version;
    return NULL;
}

static int complain(const char *path, int line, const char *what, const char *detail)
{
    fprintf(stderr, "fake libnvidia-ml: %s:%d: %s%s%s\n", path, line, what,
            detail ? ": " : "", detail ? detail : "");
    return -1;
}

static int parse_line(const char *path, int lineno, char *line, device_t **current)
{
    char *eq, *key, *value;
    field_t *field;
    int numeric = 0;

    if (!strcmp(line, "[device]")) {
        if (profile.device_count >= MAX_DEVICES)
            return complain(path, lineno, "too many [device] sections", NULL);
        *current = &profile.devices[profile.device_count];
        (*current)->index = profile.device_count++;
        return 0;
    }
    if (!strcmp(line, "[mig_device]")) {
        device_t *gpu = *current && (*current)->parent ? (*current)->parent : *current;
        device_t *mig;
        if (!gpu)
            return complain(path, lineno, "[mig_device] before any [device]", NULL);
        if (gpu->mig_count >= MAX_MIG_PER_GPU)
            return complain(path, lineno, "too many [mig_device] sections for one GPU", NULL);
        mig = &profile.mig_devices[profile.mig_total++];
        if (!gpu->mig_count)
            gpu->migs = mig;
        else if (gpu->migs + gpu->mig_count != mig)
            return complain(path, lineno, "[mig_device] sections of a GPU must follow it", NULL);
        mig->index = gpu->mig_count++;
        mig->parent = gpu;
        *current = mig;
        return 0;
    }
    eq = strchr(line, '=');
    if (!eq)
        return complain(path, lineno, "expected key=value or [device]", line);
    *eq = '\0';
    key = strip(line);
    value = strip(eq + 1);
    if (!*current && !strcmp(key, "init_error")) {
        if (!is_number(value) || value[0] == '!')
            return complain(path, lineno, "init_error must be an NVML error code", value);
        profile.init_error = (int)strtol(value, NULL, 0);
        return 0;
    }
    if (*current && !strcmp(key, "handle_error")) {
        if (!is_number(value) || value[0] == '!' || (*current)->parent)
            return complain(path, lineno, "handle_error must be an NVML error code of a GPU", value);
        (*current)->handle_error = (int)strtol(value, NULL, 0);
        return 0;
    }
    if (*current) {
        field = device_text_field(*current, key);
        if (!field) {
            field = device_number_field(*current, key);
            numeric = 1;
        }
    } else {
        field = global_field(key);
        numeric = !strcmp(key, "cuda_driver_version");
    }
    if (!field)
        return complain(path, lineno, "unknown key", key);
    if (numeric && !is_number(value))
        return complain(path, lineno, "not a number", value);
    if (set_field(field, value))
        return complain(path, lineno, "malformed error code", value);
    return 0;
}

static int load_profile(void)
{
    const char *path = getenv("GPULAB_NVML_PROFILE");
    char buffer[512];
    device_t *current = NULL;
    int lineno = 0;
    FILE *handle;

    if (!path || !*path)
        path = DEFAULT_PROFILE;
    memset(&profile, 0, sizeof(profile));
    handle = fopen(path, "r");
    if (!handle)
        return complain(path, 0, "cannot read the profile", strerror(errno));
    while (fgets(buffer, sizeof(buffer), handle)) {
        char *hash = strchr(buffer, '#');
        char *line;
        lineno++;
        if (hash)
            *hash = '\0';
        line = strip(buffer);
        if (*line && parse_line(path, lineno, line, &current)) {
            fclose(handle);
            return -1;
        }
    }
    fclose(handle);
    return 0;
}

/* ---- helpers shared by the entry points ------------------------------------------------ */

static int field_status(const field_t *field)
{
    if (!field->present)
        return NVML_ERROR_NOT_SUPPORTED;
    return field->error;
}

static int check_device(nvmlDevice_t device)
{
    if (!init_count)
        return NVML_ERROR_UNINITIALIZED;
    if ((device < profile.devices || device >= profile.devices + profile.device_count) &&
        (device < profile.mig_devices || device >= profile.mig_devices + profile.mig_total))
        return NVML_ERROR_INVALID_ARGUMENT;
    return NVML_SUCCESS;
}

static int copy_text(const field_t *field, char *out, unsigned int length)
{
    int status = field_status(field);
    if (status)
        return status;
    if (!out)
        return NVML_ERROR_INVALID_ARGUMENT;
    if (strlen(field->text) + 1 > length)
        return NVML_ERROR_INSUFFICIENT_SIZE;
    strcpy(out, field->text);
    return NVML_SUCCESS;
}

static int device_number(nvmlDevice_t device, int which, unsigned long long *out)
{
    int status = check_device(device);
    if (status)
        return status;
    status = field_status(&device->numbers[which]);
    if (!status)
        *out = device->numbers[which].number;
    return status;
}

static int system_text(const field_t *field, char *out, unsigned int length)
{
    if (!init_count)
        return NVML_ERROR_UNINITIALIZED;
    return copy_text(field, out, length);
}

/* ---- NVML entry points ----------------------------------------------------------------- */

EXPORT int nvmlInitWithFlags(unsigned int flags)
{
    (void)flags;
    if (!init_count) {
        if (load_profile())
            return NVML_ERROR_UNKNOWN;
        if (profile.init_error)
            return profile.init_error;
    }
    init_count++;
    return NVML_SUCCESS;
}

EXPORT int nvmlInit_v2(void) { return nvmlInitWithFlags(0); }
EXPORT int nvmlInit(void) { return nvmlInitWithFlags(0); }

EXPORT int nvmlShutdown(void)
{
    if (!init_count)
        return NVML_ERROR_UNINITIALIZED;
    init_count--;
    return NVML_SUCCESS;
}

EXPORT const char *nvmlErrorString(int result)
{
    switch (result) {
    case NVML_SUCCESS: return "Success";
    case NVML_ERROR_UNINITIALIZED: return "Uninitialized";
    case NVML_ERROR_INVALID_ARGUMENT: return "Invalid Argument";
    case NVML_ERROR_NOT_SUPPORTED: return "Not Supported";
    case NVML_ERROR_NO_PERMISSION: return "Insufficient Permissions";
    case NVML_ERROR_NOT_FOUND: return "Not Found";
    case NVML_ERROR_INSUFFICIENT_SIZE: return "Insufficient Size";
    case NVML_ERROR_DRIVER_NOT_LOADED: return "Driver Not Loaded";
    case NVML_ERROR_LIBRARY_NOT_FOUND: return "NVML Shared Library Not Found";
    case NVML_ERROR_FUNCTION_NOT_FOUND: return "Function Not Found";
    case NVML_ERROR_GPU_IS_LOST: return "GPU is lost";
    case NVML_ERROR_LIB_RM_VERSION_MISMATCH:
        return "RM has detected an NVML/RM version mismatch.";
    case NVML_ERROR_ARGUMENT_VERSION_MISMATCH: return "Argument Version Mismatch";
    default: return "Unknown Error";
    }
}

EXPORT int nvmlSystemGetDriverVersion(char *version, unsigned int length)
{
    return system_text(&profile.driver_version, version, length);
}

EXPORT int nvmlSystemGetNVMLVersion(char *version, unsigned int length)
{
    return system_text(&profile.nvml_version, version, length);
}

EXPORT int nvmlSystemGetCudaDriverVersion(int *version)
{
    int status;
    if (!init_count)
        return NVML_ERROR_UNINITIALIZED;
    if (!version)
        return NVML_ERROR_INVALID_ARGUMENT;
    status = field_status(&profile.cuda_driver_version);
    if (!status)
        *version = (int)profile.cuda_driver_version.number;
    return status;
}

EXPORT int nvmlSystemGetCudaDriverVersion_v2(int *version)
{
    return nvmlSystemGetCudaDriverVersion(version);
}

EXPORT int nvmlDeviceGetCount_v2(unsigned int *count)
{
    if (!init_count)
        return NVML_ERROR_UNINITIALIZED;
    if (!count)
        return NVML_ERROR_INVALID_ARGUMENT;
    *count = profile.device_count;
    return NVML_SUCCESS;
}

EXPORT int nvmlDeviceGetCount(unsigned int *count) { return nvmlDeviceGetCount_v2(count); }

EXPORT int nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device)
{
    if (!init_count)
        return NVML_ERROR_UNINITIALIZED;
    if (!device || index >= profile.device_count)
        return NVML_ERROR_INVALID_ARGUMENT;
    if (profile.devices[index].handle_error)
        return profile.devices[index].handle_error;
    *device = &profile.devices[index];
    return NVML_SUCCESS;
}

EXPORT int nvmlDeviceGetHandleByIndex(unsigned int index, nvmlDevice_t *device)
{
    return nvmlDeviceGetHandleByIndex_v2(index, device);
}

EXPORT int nvmlDeviceGetIndex(nvmlDevice_t device, unsigned int *index)
{
    int status = check_device(device);
    if (!status && !index)
        status = NVML_ERROR_INVALID_ARGUMENT;
    if (!status)
        *index = device->index;
    return status;
}

EXPORT int nvmlDeviceGetName(nvmlDevice_t device, char *name, unsigned int length)
{
    int status = check_device(device);
    return status ? status : copy_text(&device->name, name, length);
}

EXPORT int nvmlDeviceGetUUID(nvmlDevice_t device, char *uuid, unsigned int length)
{
    int status = check_device(device);
    return status ? status : copy_text(&device->uuid, uuid, length);
}

EXPORT int nvmlDeviceGetPciInfo_v3(nvmlDevice_t device, nvmlPciInfo_t *pci)
{
    unsigned long long device_id, subsystem_id = 0;
    unsigned int domain = 0, bus = 0, slot = 0, function = 0;
    int status = check_device(device);

    if (status)
        return status;
    if (!pci)
        return NVML_ERROR_INVALID_ARGUMENT;
    status = field_status(&device->pci_bus_id);
    if (!status)
        status = device_number(device, F_PCI_DEVICE_ID, &device_id);
    if (status)
        return status;
    device_number(device, F_PCI_SUBSYSTEM_ID, &subsystem_id);
    memset(pci, 0, sizeof(*pci));
    sscanf(device->pci_bus_id.text, "%x:%x:%x.%x", &domain, &bus, &slot, &function);
    snprintf(pci->busIdLegacy, sizeof(pci->busIdLegacy), "%04x:%02x:%02x.%x",
             domain & 0xffff, bus & 0xff, slot & 0x1f, function & 0x7);
    snprintf(pci->busId, sizeof(pci->busId), "%.31s", device->pci_bus_id.text);
    pci->domain = domain;
    pci->bus = bus;
    pci->device = slot;
    pci->pciDeviceId = (unsigned int)device_id;
    pci->pciSubSystemId = (unsigned int)subsystem_id;
    return NVML_SUCCESS;
}

EXPORT int nvmlDeviceGetCudaComputeCapability(nvmlDevice_t device, int *major, int *minor)
{
    int status = check_device(device);
    if (status)
        return status;
    if (!major || !minor)
        return NVML_ERROR_INVALID_ARGUMENT;
    status = field_status(&device->compute_capability);
    if (!status && sscanf(device->compute_capability.text, "%d.%d", major, minor) != 2)
        status = NVML_ERROR_UNKNOWN;
    return status;
}

/* Total, reserved and used come from the profile (MiB); free is what is left. */
static int memory_figures(nvmlDevice_t device, unsigned long long out[3])
{
    int status = device_number(device, F_MEMORY_TOTAL, &out[0]);
    if (status)
        return status;
    if (device_number(device, F_MEMORY_RESERVED, &out[1]))
        out[1] = 0;
    if (device_number(device, F_MEMORY_USED, &out[2]))
        out[2] = 0;
    if (out[1] + out[2] > out[0])
        return NVML_ERROR_UNKNOWN;
    return NVML_SUCCESS;
}

EXPORT int nvmlDeviceGetMemoryInfo(nvmlDevice_t device, nvmlMemory_t *memory)
{
    unsigned long long mib[3];
    int status;
    if (!memory)
        return NVML_ERROR_INVALID_ARGUMENT;
    status = memory_figures(device, mib);
    if (status)
        return status;
    /* v1 counts reserved memory as used. */
    memory->total = mib[0] * MIB;
    memory->used = (mib[1] + mib[2]) * MIB;
    memory->free = memory->total - memory->used;
    return NVML_SUCCESS;
}

EXPORT int nvmlDeviceGetMemoryInfo_v2(nvmlDevice_t device, nvmlMemory_v2_t *memory)
{
    unsigned long long mib[3];
    int status;
    if (!memory)
        return NVML_ERROR_INVALID_ARGUMENT;
    if (memory->version != MEMORY_V2_VERSION)
        return NVML_ERROR_ARGUMENT_VERSION_MISMATCH;
    status = memory_figures(device, mib);
    if (status)
        return status;
    memory->total = mib[0] * MIB;
    memory->reserved = mib[1] * MIB;
    memory->used = mib[2] * MIB;
    memory->free = memory->total - memory->reserved - memory->used;
    return NVML_SUCCESS;
}

/* An unsigned int query of one profile field, the shape of most NVML device getters. */
static int device_uint(nvmlDevice_t device, int which, unsigned int *out)
{
    unsigned long long value;
    int status = check_device(device);
    if (!status && !out)
        status = NVML_ERROR_INVALID_ARGUMENT;
    if (!status)
        status = device_number(device, which, &value);
    if (!status)
        *out = (unsigned int)value;
    return status;
}

EXPORT int nvmlDeviceGetTemperature(nvmlDevice_t device, int sensor, unsigned int *temp)
{
    if (sensor != 0 && !check_device(device))
        return NVML_ERROR_INVALID_ARGUMENT;   /* only NVML_TEMPERATURE_GPU */
    return device_uint(device, F_TEMPERATURE, temp);
}

EXPORT int nvmlDeviceGetPowerUsage(nvmlDevice_t device, unsigned int *milliwatts)
{
    return device_uint(device, F_POWER, milliwatts);
}

EXPORT int nvmlDeviceGetUtilizationRates(nvmlDevice_t device, nvmlUtilization_t *rates)
{
    unsigned long long gpu, memory = 0;
    int status;
    if (!rates)
        return NVML_ERROR_INVALID_ARGUMENT;
    status = device_number(device, F_UTIL_GPU, &gpu);
    if (status)
        return status;
    device_number(device, F_UTIL_MEMORY, &memory);
    rates->gpu = (unsigned int)gpu;
    rates->memory = (unsigned int)memory;
    return NVML_SUCCESS;
}

EXPORT int nvmlDeviceGetPersistenceMode(nvmlDevice_t device, int *mode)
{
    unsigned int value;
    int status = device_uint(device, F_PERSISTENCE, &value);
    if (!status && !mode)
        status = NVML_ERROR_INVALID_ARGUMENT;
    if (!status)
        *mode = value ? 1 : 0;
    return status;
}

EXPORT int nvmlDeviceGetMigMode(nvmlDevice_t device, unsigned int *current, unsigned int *pending)
{
    unsigned long long now, next;
    int status;
    if (!current || !pending)
        return NVML_ERROR_INVALID_ARGUMENT;
    status = device_number(device, F_MIG, &now);
    if (status)
        return status;
    if (device_number(device, F_MIG_PENDING, &next))
        next = now;
    *current = (unsigned int)now;
    *pending = (unsigned int)next;
    return NVML_SUCCESS;
}

/* errorType 1 = uncorrected, 0 = corrected; both counter types (volatile, aggregate) read the
 * same profile value. */
EXPORT int nvmlDeviceGetTotalEccErrors(nvmlDevice_t device, int error_type, int counter_type,
                                       unsigned long long *count)
{
    int status = check_device(device);
    if (status)
        return status;
    if (!count || (error_type != 0 && error_type != 1) || (counter_type != 0 && counter_type != 1))
        return NVML_ERROR_INVALID_ARGUMENT;
    return device_number(device, error_type ? F_ECC_UNCORRECTED : F_ECC_CORRECTED, count);
}

/* MIG: a GPU with mig_mode=1 has MAX_MIG_PER_GPU slots; the profile's [mig_device] sections
 * fill the first ones, the others return NVML_ERROR_NOT_FOUND as NVML does for empty slots. */
EXPORT int nvmlDeviceGetMaxMigDeviceCount(nvmlDevice_t device, unsigned int *count)
{
    unsigned long long mig;
    int status = check_device(device);
    if (status)
        return status;
    if (!count)
        return NVML_ERROR_INVALID_ARGUMENT;
    if (device->parent)
        return NVML_ERROR_INVALID_ARGUMENT;
    status = device_number(device, F_MIG, &mig);
    if (status)
        return status;
    *count = mig ? MAX_MIG_PER_GPU : 0;
    return NVML_SUCCESS;
}

EXPORT int nvmlDeviceGetMigDeviceHandleByIndex(nvmlDevice_t device, unsigned int index,
                                               nvmlDevice_t *mig)
{
    unsigned long long mode;
    int status = check_device(device);
    if (status)
        return status;
    if (!mig || device->parent)
        return NVML_ERROR_INVALID_ARGUMENT;
    status = device_number(device, F_MIG, &mode);
    if (status)
        return status;
    if (!mode || index >= MAX_MIG_PER_GPU)
        return NVML_ERROR_INVALID_ARGUMENT;
    if (index >= device->mig_count)
        return NVML_ERROR_NOT_FOUND;
    *mig = &device->migs[index];
    return NVML_SUCCESS;
}

EXPORT int nvmlDeviceIsMigDeviceHandle(nvmlDevice_t device, unsigned int *is_mig)
{
    int status = check_device(device);
    if (status)
        return status;
    if (!is_mig)
        return NVML_ERROR_INVALID_ARGUMENT;
    *is_mig = device->parent ? 1 : 0;
    return NVML_SUCCESS;
}

EXPORT int nvmlDeviceGetDeviceHandleFromMigDeviceHandle(nvmlDevice_t mig, nvmlDevice_t *device)
{
    int status = check_device(mig);
    if (status)
        return status;
    if (!device || !mig->parent)
        return NVML_ERROR_INVALID_ARGUMENT;
    *device = mig->parent;
    return NVML_SUCCESS;
}

/* NVSwitch fabric (HGX/DGX): state, status, clique and health from the profile. A GPU without
 * fabric_state answers NVML_ERROR_NOT_SUPPORTED, as a GPU without NVSwitch fabric can. */
static int fabric_figures(nvmlDevice_t device, unsigned long long out[4])
{
    int status = device_number(device, F_FABRIC_STATE, &out[0]);
    if (status)
        return status;
    if (device->parent)
        return NVML_ERROR_NOT_SUPPORTED;
    if (device_number(device, F_FABRIC_STATUS, &out[1]))
        out[1] = 0;
    if (device_number(device, F_FABRIC_CLIQUE, &out[2]))
        out[2] = 0;
    if (device_number(device, F_FABRIC_HEALTH, &out[3]))
        out[3] = 0;
    return NVML_SUCCESS;
}

static void fabric_uuid(nvmlDevice_t device, unsigned char *uuid)
{
    /* A cluster UUID only once the fabric is up; the same for every GPU of the profile. */
    memset(uuid, 0, FABRIC_UUID_LEN);
    if (device->numbers[F_FABRIC_STATE].number == 3)
        memset(uuid, 0xab, FABRIC_UUID_LEN);
}

EXPORT int nvmlDeviceGetGpuFabricInfo(nvmlDevice_t device, nvmlGpuFabricInfo_t *info)
{
    unsigned long long figures[4];
    int status = check_device(device);
    if (status)
        return status;
    if (!info)
        return NVML_ERROR_INVALID_ARGUMENT;
    status = fabric_figures(device, figures);
    if (status)
        return status;
    fabric_uuid(device, info->clusterUuid);
    info->state = (unsigned int)figures[0];
    info->status = (int)figures[1];
    info->cliqueId = (unsigned int)figures[2];
    return NVML_SUCCESS;
}

EXPORT int nvmlDeviceGetGpuFabricInfoV(nvmlDevice_t device, nvmlGpuFabricInfo_v3_t *info)
{
    unsigned long long figures[4];
    int status = check_device(device);
    if (status)
        return status;
    if (!info)
        return NVML_ERROR_INVALID_ARGUMENT;
    if (info->version != FABRIC_INFO_V2_VERSION && info->version != FABRIC_INFO_V3_VERSION)
        return NVML_ERROR_ARGUMENT_VERSION_MISMATCH;
    status = fabric_figures(device, figures);
    if (status)
        return status;
    fabric_uuid(device, info->clusterUuid);
    info->state = (unsigned int)figures[0];
    info->status = (int)figures[1];
    info->cliqueId = (unsigned int)figures[2];
    info->healthMask = (unsigned int)figures[3];
    if (info->version == FABRIC_INFO_V3_VERSION)   /* 1: healthy, 2: unhealthy */
        info->healthSummary = figures[0] == 3 ? (figures[1] ? 2 : 1) : 0;
    return NVML_SUCCESS;
}
