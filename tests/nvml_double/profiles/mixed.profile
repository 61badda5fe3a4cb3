# NVML test double profile: mixed generations: a Tesla P4 (6.1) next to a B200 (10.0), driver 580 / CUDA 13.0
# Format: tests/nvml_double/README.md. Absent device keys read as NVML_ERROR_NOT_SUPPORTED.
driver_version=580.95.05
cuda_driver_version=13000
nvml_version=13.580.95.05

# A Tesla P4 (Pascal, 6.1) whose temperature, ECC and MIG queries are not supported.
[device]
name=Tesla P4
uuid=GPU-3aa50164-4dda-b373-f01d-fd8c84ec7712
pci_bus_id=00000000:3B:00.0
pci_device_id=0x1BB310DE
pci_subsystem_id=0x11D810DE
compute_capability=6.1
memory_total_mib=7680
memory_reserved_mib=77
memory_used_mib=0
power_draw_mw=24000
utilization_gpu_pct=0
utilization_memory_pct=0
persistence_mode=0

[device]
name=NVIDIA B200
uuid=GPU-e7eaee22-2c0b-4dab-132c-4a48533fc73f
pci_bus_id=00000000:86:00.0
pci_device_id=0x290110DE
pci_subsystem_id=0x199910DE
compute_capability=10.0
memory_total_mib=183359
memory_reserved_mib=1104
memory_used_mib=1
temperature_c=32
power_draw_mw=141000
utilization_gpu_pct=0
utilization_memory_pct=0
persistence_mode=1
mig_mode=0
mig_mode_pending=0
ecc_errors_uncorrected=0
ecc_errors_corrected=0
