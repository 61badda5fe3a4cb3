# NVML test double profile: driver loaded, NVML works, no GPU visible (e.g. all devices hidden from a container)
# Format: tests/nvml_double/README.md. Absent device keys read as NVML_ERROR_NOT_SUPPORTED.
driver_version=580.95.05
cuda_driver_version=13000
nvml_version=13.580.95.05
