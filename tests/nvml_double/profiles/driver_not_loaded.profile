# NVML test double profile: the NVIDIA user-space library is installed but the kernel module is not loaded
# Format: tests/nvml_double/README.md. Absent device keys read as NVML_ERROR_NOT_SUPPORTED.
# nvmlInit fails with NVML_ERROR_DRIVER_NOT_LOADED (9).
init_error=9
