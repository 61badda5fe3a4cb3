# NVML test double profile: HGX A100: eight A100-SXM4-80GB (Ampere, 8.0), driver 535 / CUDA 12.2 (Debian 12's packaged branch)
# Format: tests/nvml_double/README.md. Absent device keys read as NVML_ERROR_NOT_SUPPORTED.
driver_version=535.261.03
cuda_driver_version=12020
nvml_version=12.535.261.03

[device]
name=NVIDIA A100-SXM4-80GB
uuid=GPU-397435f1-65d0-714c-5313-0dd85be1d860
pci_bus_id=00000000:07:00.0
pci_device_id=0x20B210DE
pci_subsystem_id=0x147F10DE
compute_capability=8.0
memory_total_mib=81920
memory_reserved_mib=589
memory_used_mib=1
temperature_c=28
power_draw_mw=52000
utilization_gpu_pct=0
utilization_memory_pct=0
persistence_mode=1
mig_mode=0
mig_mode_pending=0
ecc_errors_uncorrected=0
ecc_errors_corrected=0

[device]
name=NVIDIA A100-SXM4-80GB
uuid=GPU-f64b7602-d277-f73e-9e4a-4aa210a6f328
pci_bus_id=00000000:0F:00.0
pci_device_id=0x20B210DE
pci_subsystem_id=0x147F10DE
compute_capability=8.0
memory_total_mib=81920
memory_reserved_mib=589
memory_used_mib=1
temperature_c=29
power_draw_mw=53000
utilization_gpu_pct=0
utilization_memory_pct=0
persistence_mode=1
mig_mode=0
mig_mode_pending=0
ecc_errors_uncorrected=0
ecc_errors_corrected=0

[device]
name=NVIDIA A100-SXM4-80GB
uuid=GPU-cf0e764a-9b40-e717-9a86-fafdc3a153e9
pci_bus_id=00000000:47:00.0
pci_device_id=0x20B210DE
pci_subsystem_id=0x147F10DE
compute_capability=8.0
memory_total_mib=81920
memory_reserved_mib=589
memory_used_mib=1
temperature_c=30
power_draw_mw=54000
utilization_gpu_pct=0
utilization_memory_pct=0
persistence_mode=1
mig_mode=0
mig_mode_pending=0
ecc_errors_uncorrected=0
ecc_errors_corrected=0

[device]
name=NVIDIA A100-SXM4-80GB
uuid=GPU-d3d5795d-0ca0-7132-57c5-0ddef46d7484
pci_bus_id=00000000:4E:00.0
pci_device_id=0x20B210DE
pci_subsystem_id=0x147F10DE
compute_capability=8.0
memory_total_mib=81920
memory_reserved_mib=589
memory_used_mib=1
temperature_c=31
power_draw_mw=55000
utilization_gpu_pct=0
utilization_memory_pct=0
persistence_mode=1
mig_mode=0
mig_mode_pending=0
ecc_errors_uncorrected=0
ecc_errors_corrected=0

[device]
name=NVIDIA A100-SXM4-80GB
uuid=GPU-f10f9369-475f-a941-12e2-0b85144dc5e7
pci_bus_id=00000000:87:00.0
pci_device_id=0x20B210DE
pci_subsystem_id=0x147F10DE
compute_capability=8.0
memory_total_mib=81920
memory_reserved_mib=589
memory_used_mib=1
temperature_c=32
power_draw_mw=56000
utilization_gpu_pct=0
utilization_memory_pct=0
persistence_mode=1
mig_mode=0
mig_mode_pending=0
ecc_errors_uncorrected=0
ecc_errors_corrected=0

[device]
name=NVIDIA A100-SXM4-80GB
uuid=GPU-6fd4d623-467a-e46c-f24c-327a4ccc3a52
pci_bus_id=00000000:90:00.0
pci_device_id=0x20B210DE
pci_subsystem_id=0x147F10DE
compute_capability=8.0
memory_total_mib=81920
memory_reserved_mib=589
memory_used_mib=1
temperature_c=33
power_draw_mw=57000
utilization_gpu_pct=0
utilization_memory_pct=0
persistence_mode=1
mig_mode=0
mig_mode_pending=0
ecc_errors_uncorrected=0
ecc_errors_corrected=0

[device]
name=NVIDIA A100-SXM4-80GB
uuid=GPU-1cb1ce19-8926-2e22-8d4b-1d9b9c2360ce
pci_bus_id=00000000:B7:00.0
pci_device_id=0x20B210DE
pci_subsystem_id=0x147F10DE
compute_capability=8.0
memory_total_mib=81920
memory_reserved_mib=589
memory_used_mib=1
temperature_c=34
power_draw_mw=58000
utilization_gpu_pct=0
utilization_memory_pct=0
persistence_mode=1
mig_mode=0
mig_mode_pending=0
ecc_errors_uncorrected=0
ecc_errors_corrected=0

[device]
name=NVIDIA A100-SXM4-80GB
uuid=GPU-5919701b-9a1b-b40c-51d1-b6029fc8db0d
pci_bus_id=00000000:BD:00.0
pci_device_id=0x20B210DE
pci_subsystem_id=0x147F10DE
compute_capability=8.0
memory_total_mib=81920
memory_reserved_mib=589
memory_used_mib=1
temperature_c=35
power_draw_mw=59000
utilization_gpu_pct=0
utilization_memory_pct=0
persistence_mode=1
mig_mode=0
mig_mode_pending=0
ecc_errors_uncorrected=0
ecc_errors_corrected=0
