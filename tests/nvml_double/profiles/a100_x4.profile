# NVML test double profile: four A100-SXM4-40GB (Ampere, 8.0), driver 550 / CUDA 12.4
# Format: tests/nvml_double/README.md. Absent device keys read as NVML_ERROR_NOT_SUPPORTED.
driver_version=550.163.01
cuda_driver_version=12040
nvml_version=12.550.163.01

[device]
name=NVIDIA A100-SXM4-40GB
uuid=GPU-3f5a29b6-3ac5-ac89-cee1-f8c6b5393581
pci_bus_id=00000000:07:00.0
pci_device_id=0x20B010DE
pci_subsystem_id=0x134F10DE
compute_capability=8.0
memory_total_mib=40960
memory_reserved_mib=429
memory_used_mib=1
temperature_c=29
power_draw_mw=50000
utilization_gpu_pct=0
utilization_memory_pct=0
persistence_mode=1
mig_mode=0
mig_mode_pending=0
ecc_errors_uncorrected=0
ecc_errors_corrected=0

[device]
name=NVIDIA A100-SXM4-40GB
uuid=GPU-f0962ca3-e94f-431c-7e3f-456c9b6a1e70
pci_bus_id=00000000:0F:00.0
pci_device_id=0x20B010DE
pci_subsystem_id=0x134F10DE
compute_capability=8.0
memory_total_mib=40960
memory_reserved_mib=429
memory_used_mib=1
temperature_c=30
power_draw_mw=51000
utilization_gpu_pct=0
utilization_memory_pct=0
persistence_mode=1
mig_mode=0
mig_mode_pending=0
ecc_errors_uncorrected=0
ecc_errors_corrected=0

[device]
name=NVIDIA A100-SXM4-40GB
uuid=GPU-0b527f7a-9dc2-1ab8-2d5a-8be0b0b422f5
pci_bus_id=00000000:47:00.0
pci_device_id=0x20B010DE
pci_subsystem_id=0x134F10DE
compute_capability=8.0
memory_total_mib=40960
memory_reserved_mib=429
memory_used_mib=1
temperature_c=31
power_draw_mw=52000
utilization_gpu_pct=0
utilization_memory_pct=0
persistence_mode=1
mig_mode=0
mig_mode_pending=0
ecc_errors_uncorrected=0
ecc_errors_corrected=0

[device]
name=NVIDIA A100-SXM4-40GB
uuid=GPU-3ef445a8-2887-9ad8-a75d-30a7a40b35d4
pci_bus_id=00000000:4E:00.0
pci_device_id=0x20B010DE
pci_subsystem_id=0x134F10DE
compute_capability=8.0
memory_total_mib=40960
memory_reserved_mib=429
memory_used_mib=1
temperature_c=32
power_draw_mw=53000
utilization_gpu_pct=0
utilization_memory_pct=0
persistence_mode=1
mig_mode=0
mig_mode_pending=0
ecc_errors_uncorrected=0
ecc_errors_corrected=0
