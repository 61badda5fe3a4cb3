# NVML test double profile: one B200 (Blackwell, 10.0; needs the open kernel modules), driver 580 / CUDA 13.0
# Format: tests/nvml_double/README.md. Absent device keys read as NVML_ERROR_NOT_SUPPORTED.
driver_version=580.95.05
cuda_driver_version=13000
nvml_version=13.580.95.05

[device]
name=NVIDIA B200
uuid=GPU-7948e84c-9d30-c871-d04b-0c6d94a8d8b1
pci_bus_id=00000000:07:00.0
pci_device_id=0x290110DE
pci_subsystem_id=0x199910DE
compute_capability=10.0
memory_total_mib=183359
memory_reserved_mib=1104
memory_used_mib=1
temperature_c=31
power_draw_mw=140000
utilization_gpu_pct=0
utilization_memory_pct=0
persistence_mode=1
mig_mode=0
mig_mode_pending=0
ecc_errors_uncorrected=0
ecc_errors_corrected=0
