# NVML test double profile: user-space driver upgraded, old kernel module still loaded (no reboot yet)
# Format: tests/nvml_double/README.md. Absent device keys read as NVML_ERROR_NOT_SUPPORTED.
# nvmlInit fails with NVML_ERROR_LIB_RM_VERSION_MISMATCH (18).
init_error=18
