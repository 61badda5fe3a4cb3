# NVML test double profile: the caller may not open /dev/nvidiactl
# Format: tests/nvml_double/README.md. Absent device keys read as NVML_ERROR_NOT_SUPPORTED.
# nvmlInit fails with NVML_ERROR_NO_PERMISSION (4).
init_error=4
